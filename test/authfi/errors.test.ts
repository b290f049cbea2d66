import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { flags } from "../harness/software-authenticator.js";
import { accessPoint, authenticator, authfi, beginRegistration, createAccessPoint, loginChallenge, newName, registerKey, startAuthfiServer, verificationChallenge } from "./authfi-client.js";

let server: TestServer;

beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  await server?.close();
});

const finishRegistration = (response: unknown, options: { ap?: string; key?: string } = {}) => authfi(server, "PUT", "/webauthn/registration", { fido_register_response: response }, options);
const finishLogin = (response: unknown) => authfi(server, "PUT", "/webauthn/login", { fido_login_response: response });
const expire = (challenge: string) => server.app.database.db.updateTable("webauthn_challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("challenge", "=", challenge).execute();

describe("1000 and 1001: the access point and its API key", () => {
  it.each([
    ["no AT-X-KEY", { key: null }],
    ["a wrong AT-X-KEY", { key: "not-the-key" }],
    ["an unknown access point", { ap: "nosuchaccesspoint" }],
    ["the default tenant's slug", { ap: "default" }],
  ] as const)("answers 401 code 1000 for %s", async (_, options) => {
    const answer = await authfi(server, "POST", "/webauthn/login", { params: {} }, options);
    expect(answer).toMatchObject({ status: 401, json: { code: 1000 } });
  });

  it("answers 1000 for a key of another access point", async () => {
    const other = await createAccessPoint(server, { slug: `other${randomBytes(4).toString("hex")}` });
    expect(await authfi(server, "GET", "/users", undefined, { key: other.apiKey })).toMatchObject({ status: 401, json: { code: 1000 } });
    expect(await authfi(server, "GET", "/users", undefined, { ap: other.slug, key: other.apiKey })).toMatchObject({ status: 200, json: { code: 0, total: 0 } });
  });

  it("answers 403 code 1001 for a suspended access point with its right key, 1000 with a wrong one", async () => {
    const suspended = await createAccessPoint(server, { slug: `suspended${randomBytes(4).toString("hex")}`, state: "suspended" });
    expect(await authfi(server, "GET", "/users", undefined, { ap: suspended.slug, key: suspended.apiKey })).toMatchObject({ status: 403, json: { code: 1001 } });
    expect(await authfi(server, "GET", "/users", undefined, { ap: suspended.slug, key: "wrong" })).toMatchObject({ status: 401, json: { code: 1000 } });
  });
});

describe("1002: parameters that cannot be accepted", () => {
  it.each([
    ["size below 20", "/users?size=19"],
    ["size above 100", "/users?size=101"],
    ["page 0", "/users?page=0"],
    ["a page past the last", "/users?page=99&size=20"],
    ["a size that is not a number", "/users?size=many"],
  ])("answers 400 code 1002 for %s", async (_, path) => {
    expect(await authfi(server, "GET", path)).toMatchObject({ status: 400, json: { code: 1002 } });
  });

  it.each([
    ["no uId", "/webauthn/verification", "POST", { params: {} }],
    ["no user name", "/webauthn/registration", "POST", { params: { user: { displayName: "x" } } }],
    ["an unknown userVerification", "/webauthn/login", "POST", { params: { userVerification: "always" } }],
    ["an unknown attestation", "/webauthn/registration", "POST", { params: { user: { name: "a@example.com" }, attestation: "everything" } }],
    ["an unknown authenticatorAttachment", "/webauthn/registration", "POST", { params: { user: { name: "a@example.com" }, authenticatorSelection: { authenticatorAttachment: "usb" } } }],
  ])("answers 400 code 1002 for %s", async (_, path, method, body) => {
    expect(await authfi(server, method, path, body)).toMatchObject({ status: 400, json: { code: 1002 } });
  });

  it("answers 400 code 1002 for a body that is not JSON", async () => {
    const { rest } = await import("../harness/rest.js");
    const answer = await rest(server.url, "POST", `/${accessPoint}/api/v1/webauthn/login`, { rawBody: "{not json", headers: { "content-type": "application/json", "AT-X-KEY": "x" } });
    expect(answer).toMatchObject({ status: 400, json: { code: 1002 } });
  });

  it("answers 404 code 1002 for an unknown user or key", async () => {
    const key = await registerKey(server, newName());
    const nobody = Buffer.alloc(16, 7).toString("base64url");
    expect(await authfi(server, "POST", "/webauthn/verification", { uId: newName("nobody"), params: {} })).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "GET", `/users/${nobody}/keys`)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "GET", "/users/not-an-id/keys")).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "PUT", `/users/${nobody}`, { status: "suspend" })).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "DELETE", `/users/${nobody}`)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "PUT", `/users/${key.userId}/keys/${randomBytes(32).toString("base64url")}`, { name: "x" })).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "DELETE", `/users/${key.userId}/keys/${randomBytes(32).toString("base64url")}`)).toMatchObject({ status: 404, json: { code: 1002 } });
    const stranger = authenticator.newCredential().credential;
    expect(await finishLogin(authenticator.get(stranger, await loginChallenge(server)))).toMatchObject({ status: 404, json: { code: 1002 } });
  });

  it("answers 409 code 1002 for a key already registered at the access point", async () => {
    const name = newName();
    const key = await registerKey(server, name);
    const again = authenticator.create(await beginRegistration(server, newName()), "none", { reuse: key.credential });
    expect(await finishRegistration(again.response)).toMatchObject({ status: 409, json: { code: 1002 } });
  });

  it("answers 400 code 1002 for a status that is neither activate nor suspend", async () => {
    const key = await registerKey(server, newName());
    expect(await authfi(server, "PUT", `/users/${key.userId}`, { status: "banned" })).toMatchObject({ status: 400, json: { code: 1002 } });
  });
});

describe("2000, 3000 and 3001: users and their keys", () => {
  it("answers 403 code 2000 to every ceremony of a suspended user", async () => {
    const name = newName();
    const key = await registerKey(server, name);
    const pending = await beginRegistration(server, name);
    const login = await loginChallenge(server);
    expect(await authfi(server, "PUT", `/users/${key.userId}`, { status: "suspend" })).toMatchObject({ status: 200, json: { code: 0, user: { state: "suspend" } } });
    expect(await authfi(server, "POST", "/webauthn/registration", { params: { user: { name } } })).toMatchObject({ status: 403, json: { code: 2000 } });
    expect(await finishRegistration(authenticator.create(pending).response)).toMatchObject({ status: 403, json: { code: 2000 } });
    expect(await authfi(server, "POST", "/webauthn/verification", { uId: name, params: {} })).toMatchObject({ status: 403, json: { code: 2000 } });
    expect(await finishLogin(authenticator.get(key.credential, login))).toMatchObject({ status: 403, json: { code: 2000 } });
    expect(await authfi(server, "PUT", `/users/${key.userId}`, { status: "activate" })).toMatchObject({ status: 200, json: { user: { state: "activate" } } });
    expect(await finishLogin(authenticator.get(key.credential, await loginChallenge(server)))).toMatchObject({ status: 200, json: { code: 0 } });
  });

  it("answers 403 code 3000 when a new user would pass the access point's cap, and keeps no trace of them", async () => {
    const capped = await createAccessPoint(server, { slug: `trial${randomBytes(4).toString("hex")}`, state: "trial", userCap: 1 });
    const options = { ap: capped.slug, key: capped.apiKey };
    const first = newName();
    await registerKey(server, first, "none", options);
    const second = await authfi(server, "POST", "/webauthn/registration", { params: { user: { name: newName() } } }, options);
    expect(second).toMatchObject({ status: 403, json: { code: 3000 } });
    await registerKey(server, first, "none", options);
    expect(await authfi(server, "GET", "/users", undefined, options)).toMatchObject({ json: { total: 1 } });
  });

  // The cap is decided when a user is created, at the end of the registration, under the
  // tenant lock: two registrations racing for the last place cannot both get it.
  it("lets only one of two concurrent registrations take the last place under the cap", async () => {
    const capped = await createAccessPoint(server, { slug: `race${randomBytes(4).toString("hex")}`, state: "trial", userCap: 1 });
    const options = { ap: capped.slug, key: capped.apiKey };
    const requests = [await beginRegistration(server, newName(), options), await beginRegistration(server, newName(), options)];
    const answers = await Promise.all(
      requests.map((request) => authfi(server, "PUT", "/webauthn/registration", { fido_register_response: authenticator.create(request).response }, options)),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403]);
    expect(answers.find((answer) => answer.status === 403)?.json).toMatchObject({ code: 3000 });
    expect(await authfi(server, "GET", "/users", undefined, options)).toMatchObject({ json: { total: 1 } });
  });
});

describe("3100–3800: registration responses", () => {
  it.each([
    ["no fido_register_response", () => undefined],
    ["an id that is not the rawId", (r: Reg) => ({ ...r, rawId: randomBytes(32).toString("base64url") })],
    ["a type other than public-key", (r: Reg) => ({ ...r, type: "password" })],
    ["an attestationObject that is not CBOR", (r: Reg) => ({ ...r, response: { ...r.response, attestationObject: "_____" } })],
    ["no attestationObject", (r: Reg) => ({ ...r, response: { clientDataJSON: r.response.clientDataJSON } })],
  ])("answers 400 code 3100 for %s", async (_, mutate) => {
    const { response } = authenticator.create(await beginRegistration(server, newName()));
    expect(await finishRegistration(mutate(response))).toMatchObject({ status: 400, json: { code: 3100 } });
  });

  it.each([
    ["none with a statement", "none", 3200],
    ["an unknown format", "bogus", 3200],
    ["fido-u2f", "fido-u2f", 3300],
    ["packed", "packed", 3400],
    ["tpm", "tpm", 3500],
    ["android-safetynet", "android-safetynet", 3600],
    ["android-key", "android-key", 3700],
    ["apple", "apple", 3800],
  ])("answers 400 code %s for a %s statement that does not verify", async (_, fmt, code) => {
    const attStmt = new Map<string, unknown>([["alg", -7], ["sig", randomBytes(70)], ["ver", "2.0"], ["response", randomBytes(40)], ["x5c", [randomBytes(40)]]]);
    const { response } = authenticator.create(await beginRegistration(server, newName()), "none", { fmt, attStmt });
    expect(await finishRegistration(response)).toMatchObject({ status: 400, json: { code } });
  });
});

type Reg = ReturnType<typeof authenticator.create>["response"];

describe("3900, 4000, 4100, 4200 and 5000: ceremony faults", () => {
  it.each([
    ["no fido_login_response", () => undefined],
    ["no signature", (a: Asr) => ({ ...a, response: { ...a.response, signature: "" } })],
    ["a type other than public-key", (a: Asr) => ({ ...a, type: "other" })],
  ])("answers 400 code 3900 for %s", async (_, mutate) => {
    const key = await registerKey(server, newName());
    expect(await finishLogin(mutate(authenticator.get(key.credential, await loginChallenge(server))))).toMatchObject({ status: 400, json: { code: 3900 } });
  });

  it("answers 400 code 3900 for a verification without fido_auth_response", async () => {
    expect(await authfi(server, "PUT", "/webauthn/verification", {})).toMatchObject({ status: 400, json: { code: 3900 } });
  });

  it("answers 400 code 4000 for clientDataJSON that is not JSON, of another ceremony or origin, or with a challenge never issued", async () => {
    const request = await beginRegistration(server, newName());
    const notJson = authenticator.create(request).response;
    notJson.response.clientDataJSON = Buffer.from("not json").toString("base64url");
    expect(await finishRegistration(notJson)).toMatchObject({ status: 400, json: { code: 4000 } });
    expect(await finishRegistration(authenticator.create(request, "none", { origin: "https://evil.example.com" }).response)).toMatchObject({ status: 400, json: { code: 4000 } });
    expect(await finishRegistration(authenticator.create({ ...request, challenge: randomBytes(32).toString("base64url") }).response)).toMatchObject({ status: 400, json: { code: 4000 } });
    const key = await registerKey(server, newName());
    const wrongType = authenticator.get(key.credential, await loginChallenge(server));
    const clientData = JSON.parse(Buffer.from(wrongType.response.clientDataJSON, "base64url").toString()) as Record<string, unknown>;
    wrongType.response.clientDataJSON = Buffer.from(JSON.stringify({ ...clientData, type: "webauthn.create" })).toString("base64url");
    expect(await finishLogin(wrongType)).toMatchObject({ status: 400, json: { code: 4000 } });
  });

  it("answers 400 code 4100 for authenticator data of another RP id or too short", async () => {
    const request = await beginRegistration(server, newName());
    expect(await finishRegistration(authenticator.create(request, "none", { rpId: "evil.example.com" }).response)).toMatchObject({ status: 400, json: { code: 4100 } });
    const key = await registerKey(server, newName());
    const short = authenticator.get(key.credential, await loginChallenge(server));
    short.response.authenticatorData = Buffer.alloc(20).toString("base64url");
    expect(await finishLogin(short)).toMatchObject({ status: 400, json: { code: 4100 } });
    const noCredential = authenticator.create(await beginRegistration(server, newName()), "none", { flags: flags.up | flags.uv });
    expect(await finishRegistration(noCredential.response)).toMatchObject({ status: 400, json: { code: 4100 } });
  });

  it("answers 400 code 4200 without user presence, or without user verification when required", async () => {
    const name = newName();
    const noPresence = authenticator.create(await beginRegistration(server, name), "none", { flags: flags.uv | flags.at });
    expect(await finishRegistration(noPresence.response)).toMatchObject({ status: 400, json: { code: 4200 } });
    const noVerification = authenticator.create(await beginRegistration(server, name), "none", { flags: flags.up | flags.at });
    expect(await finishRegistration(noVerification.response)).toMatchObject({ status: 400, json: { code: 4200 } });
    const key = await registerKey(server, name);
    expect(await finishLogin(authenticator.get(key.credential, await loginChallenge(server), { flags: flags.up }))).toMatchObject({ status: 400, json: { code: 4200 } });
    const challenge = await verificationChallenge(server, name);
    expect(await authfi(server, "PUT", "/webauthn/verification", { fido_auth_response: authenticator.get(key.credential, challenge, { flags: flags.uv }) })).toMatchObject({ status: 400, json: { code: 4200 } });
  });

  it("accepts no user verification when the ceremony did not require it", async () => {
    const name = newName();
    const request = await beginRegistration(server, name, { userVerification: "preferred" });
    const { response } = authenticator.create(request, "none", { flags: flags.up | flags.at });
    expect(await finishRegistration(response)).toMatchObject({ status: 201, json: { code: 0 } });
  });

  it("answers 410 code 5000 for a ceremony finished after its timeout", async () => {
    const name = newName();
    const request = await beginRegistration(server, name);
    await expire(request.challenge);
    expect(await finishRegistration(authenticator.create(request).response)).toMatchObject({ status: 410, json: { code: 5000 } });
    const key = await registerKey(server, name);
    const challenge = await loginChallenge(server);
    await expire(challenge);
    expect(await finishLogin(authenticator.get(key.credential, challenge))).toMatchObject({ status: 410, json: { code: 5000 } });
  });
});

type Asr = ReturnType<typeof authenticator.get>;
