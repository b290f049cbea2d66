import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { signUpAndLogIn, type LoggedInUser } from "./hanko-client.js";

const origin = "https://login.example.com";
const authenticator = new SoftwareAuthenticator(origin, "login.example.com");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example" });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

type Options = { publicKey: { challenge: string; user: { id: string }; excludeCredentials: Array<{ id: string }>; allowCredentials: Array<{ id: string }> } };

async function register(user: LoggedInUser, format: "none" | "packed" = "none"): Promise<SoftwareCredential> {
  const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer });
  expect(init.status).toBe(200);
  const { credential, response } = authenticator.create((init.json as Options).publicKey, format);
  const final = await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: user.bearer });
  expect(final.status).toBe(200);
  expect(final.json).toEqual({ credential_id: response.id, user_id: user.userId });
  return credential;
}

async function loginChallenge(userId?: string): Promise<Options["publicKey"]> {
  const init = await rest(server.url, "POST", "/webauthn/login/initialize", userId === undefined ? {} : { body: { user_id: userId } });
  expect(init.status).toBe(200);
  return (init.json as Options).publicKey;
}

const finalizeLogin = (assertion: unknown) => rest(server.url, "POST", "/webauthn/login/finalize", { body: assertion });

describe("WebAuthn registration", () => {
  it("answers creation options for the session user and registers a credential with attestation none", async () => {
    const user = await signUpAndLogIn(server);
    const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer });
    expect(init.json).toMatchObject({
      publicKey: {
        rp: { id: "login.example.com", name: "Example" },
        user: { name: user.email, displayName: user.email },
        timeout: 60000,
        attestation: "none",
        excludeCredentials: [],
        pubKeyCredParams: expect.arrayContaining([{ type: "public-key", alg: -7 }]),
      },
    });
    const { response } = authenticator.create((init.json as Options).publicKey);
    const final = await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: user.bearer });
    expect(final).toMatchObject({ status: 200, json: { credential_id: response.id, user_id: user.userId } });
    expect((await rest(server.url, "POST", "/user", { body: { email: user.email } })).json).toMatchObject({ has_webauthn_credential: true });
    expect((await rest(server.url, "GET", `/users/${user.userId}`, { headers: user.bearer })).json).toMatchObject({ webauthn_credentials: [{ id: response.id }] });
  });

  it("registers with packed self-attestation and excludes the user's credentials next time", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user, "packed");
    const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer });
    expect((init.json as Options).publicKey.excludeCredentials).toEqual([{ type: "public-key", id: credential.id.toString("base64url"), transports: ["internal"] }]);
  });

  // The cap is counted and the credential inserted under a lock on the user: racing
  // registrations cannot pass it together.
  it("keeps the cap of 20 passkeys under 25 concurrent finalizations", async () => {
    const user = await signUpAndLogIn(server);
    const inits = [];
    for (let i = 0; i < 25; i++) inits.push(await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer }));
    const responses = inits.map((init) => authenticator.create((init.json as Options).publicKey).response);
    const finals = await Promise.all(responses.map((body) => rest(server.url, "POST", "/webauthn/registration/finalize", { body, headers: user.bearer })));
    expect(finals.filter((final) => final.status === 200)).toHaveLength(20);
    expect(finals.filter((final) => final.status === 409)).toHaveLength(5);
    const held = await server.app.database.db.selectFrom("webauthn_credentials").select("id").where("user_id", "=", user.userId).execute();
    expect(held).toHaveLength(20);
  });

  it("lets a user register at least 10 credentials", async () => {
    const user = await signUpAndLogIn(server);
    for (let i = 0; i < 10; i++) await register(user);
    expect(((await rest(server.url, "GET", "/webauthn/credentials", { headers: user.bearer })).json as unknown[]).length).toBe(10);
  });

  // A challenge answers one ceremony: an attestation cannot be replayed, nor made up.
  it("refuses a replayed attestation, a never-issued challenge, a foreign origin and another user's challenge", async () => {
    const user = await signUpAndLogIn(server);
    const other = await signUpAndLogIn(server);
    const init = (await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer })).json as Options;
    const { response } = authenticator.create(init.publicKey);
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: other.bearer })).status).toBe(400);
    // The other user's attempt used the challenge up.
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: user.bearer })).status).toBe(400);
    const made_up = authenticator.create({ challenge: Buffer.from("never issued").toString("base64url"), user: { id: "AAAA" } }).response;
    expect(await rest(server.url, "POST", "/webauthn/registration/finalize", { body: made_up, headers: user.bearer })).toMatchObject({ status: 400, json: { code: 400 } });
    const fresh = (await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer })).json as Options;
    const foreign = authenticator.create(fresh.publicKey, "none", { origin: "https://evil.example.com" }).response;
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: foreign, headers: user.bearer })).status).toBe(400);
    expect(((await rest(server.url, "GET", "/webauthn/credentials", { headers: user.bearer })).json as unknown[]).length).toBe(0);
  });

  it("needs a session (401) and a well-formed body (400)", async () => {
    expect(await rest(server.url, "POST", "/webauthn/registration/initialize")).toMatchObject({ status: 401, json: { code: 401 } });
    const user = await signUpAndLogIn(server);
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { rawBody: "{", headers: { ...user.bearer, "content-type": "application/json" } })).status).toBe(400);
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: { id: "x", response: { clientDataJSON: "%%%" } }, headers: user.bearer })).status).toBe(400);
  });
});

describe("WebAuthn login", () => {
  it("logs in with allowCredentials for a user id: session cookie, X-Auth-Token and X-Session-Lifetime; the token passes /me", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const options = await loginChallenge(user.userId);
    expect(options.allowCredentials).toEqual([{ type: "public-key", id: credential.id.toString("base64url"), transports: ["internal"] }]);
    const final = await finalizeLogin(authenticator.get(credential, options.challenge));
    expect(final).toMatchObject({ status: 200, json: { credential_id: credential.id.toString("base64url"), user_id: user.userId } });
    const token = String(final.headers["x-auth-token"]);
    expect(final.headers["x-session-lifetime"]).toBe("3600");
    expect(final.headers["set-cookie"]).toEqual([`hanko=${token}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict`]);
    expect((await rest(server.url, "GET", "/me", { headers: { authorization: `Bearer ${token}` } })).json).toEqual({ id: user.userId });
  });

  it("logs in with a discoverable credential (no user id, no allowCredentials)", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const init = await rest(server.url, "POST", "/webauthn/login/initialize");
    const options = (init.json as Options).publicKey;
    expect(options.allowCredentials).toEqual([]);
    const final = await finalizeLogin(authenticator.get(credential, options.challenge, { withUserHandle: true }));
    expect(final).toMatchObject({ status: 200, json: { user_id: user.userId } });
  });

  it("treats an empty JSON object like no body: a discoverable login", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const init = await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} });
    expect(init.status).toBe(200);
    const options = (init.json as Options).publicKey;
    expect(options).toMatchObject({ rpId: "login.example.com", timeout: 60000, allowCredentials: [] });
    expect((await finalizeLogin(authenticator.get(credential, options.challenge, { withUserHandle: true }))).status).toBe(200);
  });

  it("accepts the seed's spelling clientDataJson as well as clientDataJSON", async () => {
    const user = await signUpAndLogIn(server);
    const init = (await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer })).json as Options;
    const { credential, response } = authenticator.create(init.publicKey);
    const { clientDataJSON: attestationClientData, ...attestation } = response.response;
    const registered = await rest(server.url, "POST", "/webauthn/registration/finalize", {
      body: { ...response, response: { ...attestation, clientDataJson: attestationClientData } },
      headers: user.bearer,
    });
    expect(registered).toMatchObject({ status: 200, json: { credential_id: response.id } });
    const assertion = authenticator.get(credential, (await loginChallenge(user.userId)).challenge);
    const { clientDataJSON: assertionClientData, ...signed } = assertion.response;
    expect(await finalizeLogin({ ...assertion, response: { ...signed, clientDataJson: assertionClientData } })).toMatchObject({ status: 200, json: { user_id: user.userId } });
  });

  // A discoverable credential's user handle must be its owner's: another user's handle is no way in.
  it("refuses a user handle that is not the credential owner's", async () => {
    const user = await signUpAndLogIn(server);
    const other = await signUpAndLogIn(server);
    const credential = await register(user);
    const otherCredential = await register(other);
    const assertion = authenticator.get(credential, (await loginChallenge()).challenge, { withUserHandle: true });
    assertion.response.userHandle = otherCredential.userHandle!.toString("base64url");
    expect(await finalizeLogin(assertion)).toMatchObject({ status: 401, json: { code: 401 } });
  });

  // A captured assertion must not log in a second time.
  it("refuses a replayed assertion", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const assertion = authenticator.get(credential, (await loginChallenge(user.userId)).challenge);
    expect((await finalizeLogin(assertion)).status).toBe(200);
    expect(await finalizeLogin(assertion)).toMatchObject({ status: 401, json: { code: 401 } });
  });

  // A cloned authenticator shows itself by a sign counter that does not grow.
  it("refuses a sign counter that did not grow", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge()).challenge, { counter: 5 }))).status).toBe(200);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge()).challenge, { counter: 5 }))).status).toBe(401);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge()).challenge, { counter: 3 }))).status).toBe(401);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge()).challenge, { counter: 6 }))).status).toBe(200);
  });

  // Two clones sending the same counter on separate challenges at once: the sign count is
  // recorded only if it is still the one read, so one passes.
  it("lets one of six concurrent assertions with the same counter pass, each on its own challenge", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const challenges: string[] = [];
    for (let i = 0; i < 6; i++) challenges.push((await loginChallenge()).challenge);
    const finals = await Promise.all(challenges.map((challenge) => finalizeLogin(authenticator.get(credential, challenge, { counter: 7 }))));
    expect(finals.map((final) => final.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it("refuses a never-issued challenge, a foreign origin, a challenge bound to another user, and a forged signature", async () => {
    const user = await signUpAndLogIn(server);
    const other = await signUpAndLogIn(server);
    const credential = await register(user);
    await register(other);
    expect((await finalizeLogin(authenticator.get(credential, Buffer.from("never issued").toString("base64url")))).status).toBe(401);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge()).challenge, { origin: "https://evil.example.com" }))).status).toBe(401);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge(other.userId)).challenge))).status).toBe(401);
    const forged = authenticator.get(credential, (await loginChallenge()).challenge);
    forged.response.signature = Buffer.alloc(70, 1).toString("base64url");
    expect((await finalizeLogin(forged)).status).toBe(401);
  });

  it("expires challenges with the timeout", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const options = await loginChallenge(user.userId);
    await server.app.database.db.updateTable("webauthn_challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("challenge", "=", options.challenge).execute();
    expect((await finalizeLogin(authenticator.get(credential, options.challenge))).status).toBe(401);
  });

  it("answers 400 to a bad user id and to a malformed body", async () => {
    expect((await rest(server.url, "POST", "/webauthn/login/initialize", { body: { user_id: "nope" } })).status).toBe(400);
    expect((await rest(server.url, "POST", "/webauthn/login/finalize", { rawBody: "[", headers: { "content-type": "application/json" } })).status).toBe(400);
  });

  it("answers 400 to an assertion missing a member or of the wrong type, and still 401 to one that does not verify", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const assertion = authenticator.get(credential, (await loginChallenge()).challenge);
    const { signature, ...unsigned } = assertion.response;
    const { clientDataJSON: _clientData, ...noClientData } = assertion.response;
    for (const malformed of [
      { ...assertion, response: unsigned },
      { ...assertion, response: noClientData },
      { ...assertion, response: { ...assertion.response, clientDataJSON: Buffer.from("not json").toString("base64url") } },
      { ...assertion, response: { ...assertion.response, authenticatorData: "AAAA" } },
      { ...assertion, id: "", rawId: "" },
      { ...assertion, type: "password" },
      {},
    ]) {
      expect(await finalizeLogin(malformed)).toMatchObject({ status: 400, json: { code: 400 } });
    }
    expect(await finalizeLogin({ ...assertion, response: { ...assertion.response, signature: signature.slice(0, -4) } })).toMatchObject({ status: 401 });
  });
});

describe("WebAuthn credentials", () => {
  it("lists, renames and deletes the user's credentials; a deleted credential can no longer log in", async () => {
    const user = await signUpAndLogIn(server);
    const credential = await register(user);
    const id = credential.id.toString("base64url");
    const list = await rest(server.url, "GET", "/webauthn/credentials", { headers: user.bearer });
    expect(list.status).toBe(200);
    expect(list.json).toEqual([{ id, public_key: expect.any(String), aaguid: "11111111-1111-1111-1111-111111111111", transports: ["internal"], created_at: expect.any(String) }]);
    expect((await rest(server.url, "PATCH", `/webauthn/credentials/${id}`, { body: { name: "Laptop" }, headers: user.bearer })).status).toBe(200);
    expect(((await rest(server.url, "GET", "/webauthn/credentials", { headers: user.bearer })).json as Array<{ name: string }>)[0]?.name).toBe("Laptop");
    expect((await rest(server.url, "PATCH", `/webauthn/credentials/${id}`, { body: { name: "" }, headers: user.bearer })).status).toBe(400);
    expect((await rest(server.url, "DELETE", `/webauthn/credentials/${id}`, { headers: user.bearer })).status).toBe(201);
    expect((await rest(server.url, "GET", "/webauthn/credentials", { headers: user.bearer })).json).toEqual([]);
    expect((await finalizeLogin(authenticator.get(credential, (await loginChallenge()).challenge))).status).toBe(401);
  });

  it("answers 404 for another user's or an unknown credential and 401 without a session", async () => {
    const user = await signUpAndLogIn(server);
    const other = await signUpAndLogIn(server);
    const id = (await register(other)).id.toString("base64url");
    expect((await rest(server.url, "PATCH", `/webauthn/credentials/${id}`, { body: { name: "Mine" }, headers: user.bearer })).status).toBe(404);
    expect((await rest(server.url, "DELETE", `/webauthn/credentials/${id}`, { headers: user.bearer })).status).toBe(404);
    expect((await rest(server.url, "DELETE", "/webauthn/credentials/AAAA", { headers: user.bearer })).status).toBe(404);
    expect((await rest(server.url, "GET", "/webauthn/credentials")).status).toBe(401);
  });
});

describe.each(rpcTransports)("WebAuthn over %s", (transport) => {
  it("registers and logs in through the RPCs", async () => {
    const user = await signUpAndLogIn(server);
    const call = (method: string, input: Record<string, unknown>, headers?: Record<string, string>) =>
      callRpc(transport, server.url, WebAuthnService, WebAuthnServiceService, method, input, headers);
    const init = await call("initializeRegistration", {}, user.bearer);
    expect(init.ok).toBe(true);
    if (!init.ok) return;
    const { credential, response } = authenticator.create(init.output.publicKey as Options["publicKey"]);
    const toRpc = (json: { id: string; rawId: string; type: string; response: Record<string, unknown> }) => ({
      ...json,
      response: { ...json.response, clientDataJson: json.response.clientDataJSON, clientDataJSON: undefined },
    });
    expect(await call("finalizeRegistration", toRpc(response), user.bearer)).toEqual({ ok: true, output: { credential_id: response.id, user_id: user.userId } });
    const login = await call("initializeLogin", { userId: user.userId });
    expect(login.ok).toBe(true);
    if (!login.ok) return;
    const challenge = (login.output.publicKey as { challenge: string }).challenge;
    const final = await call("finalizeLogin", toRpc(authenticator.get(credential, challenge)));
    expect(final).toMatchObject({ ok: true, output: { user_id: user.userId, session_lifetime: 3600 } });
    expect(await call("finalizeLogin", toRpc(authenticator.get(credential, challenge)))).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "WEBAUTHN_LOGIN_FAILED" });
    expect(await call("listCredentials", {})).toMatchObject({ ok: false, code: Code.Unauthenticated });
    const id = credential.id.toString("base64url");
    expect(await call("updateCredential", { id, name: "Phone" }, user.bearer)).toEqual({ ok: true, output: {} });
    expect(await call("listCredentials", {}, user.bearer)).toMatchObject({ ok: true, output: { credentials: [{ id, name: "Phone" }] } });
    expect(await call("deleteCredential", { id }, user.bearer)).toEqual({ ok: true, output: {} });
    expect(await call("deleteCredential", { id }, user.bearer)).toMatchObject({ ok: false, code: Code.NotFound, reason: "CREDENTIAL_NOT_FOUND" });
  });
});
