import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import { accessPoint, apiKey, authenticator, authfi, beginRegistration, loginChallenge, newName, registerKey, startAuthfiServer, verificationChallenge } from "./authfi-client.js";

let server: TestServer;

beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  await server?.close();
});

describe("AuthFi registration", () => {
  it("answers creation options in AuthFi's shape for the seeded access point", async () => {
    const name = newName();
    const answer = await authfi(server, "POST", "/webauthn/registration", {
      params: { user: { name, displayName: "Foo Bar" }, authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: true, userVerification: "required" }, attestation: "direct" },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      code: 0,
      fido_register_request: {
        rp: { id: "rp.example.com", name: "Example RP" },
        user: { id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), name, displayName: "Foo Bar" },
        challenge: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
        pubKeyCredParams: expect.arrayContaining([{ type: "public-key", alg: -7 }]),
        timeout: 300000,
        excludeCredentials: [],
        extensions: {},
        authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: true, userVerification: "required" },
        attestation: "direct",
      },
    });
  });

  it("registers a key with attestation none and one with packed, answering 201 with uid and key_info", async () => {
    const name = newName();
    const before = Math.floor(Date.now() / 1000);
    const first = await registerKey(server, name, "none");
    const second = await registerKey(server, name, "packed");
    expect(second.userId).toBe(first.userId);
    const keys = await authfi(server, "GET", `/users/${first.userId}/keys`);
    expect(keys.json).toMatchObject({ code: 0, total: 2, keys: [{ credential_id: first.keyId }, { credential_id: second.keyId }] });
    const createTime = (keys.json as { keys: Array<{ create_time: number }> }).keys[0]!.create_time;
    expect(createTime).toBeGreaterThanOrEqual(before - 1);
    expect(createTime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
  });

  it("accepts the registration response exactly as the seed's sample shapes it, get… members and all", async () => {
    const request = await beginRegistration(server, newName());
    const { response } = authenticator.create(request, "packed");
    const seedShaped = {
      ...response,
      response: { ...response.response, getAuthenticatorData: {}, getPublicKey: {}, getPublicKeyAlgorithm: {}, getTransports: {} },
      getClientExtensionResults: {},
    };
    expect(await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: seedShaped })).toMatchObject({ status: 201, json: { code: 0, uid: request.user.id } });
  });

  it("excludes the user's keys from the next creation options", async () => {
    const name = newName();
    const first = await registerKey(server, name);
    const request = await beginRegistration(server, name);
    expect(request.excludeCredentials).toEqual([expect.objectContaining({ type: "public-key", id: first.keyId })]);
  });

  it("registers 10 keys for a user and answers 3001 for the 11th", async () => {
    const name = newName();
    for (let i = 0; i < 10; i++) await registerKey(server, name);
    const answer = await authfi(server, "POST", "/webauthn/registration", { params: { user: { name } } });
    expect(answer).toMatchObject({ status: 409, json: { code: 3001 } });
  });

  it("answers 3001 when two registrations begun at 9 keys both finish", async () => {
    const name = newName();
    for (let i = 0; i < 9; i++) await registerKey(server, name);
    const one = await beginRegistration(server, name);
    const two = await beginRegistration(server, name);
    const first = await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: authenticator.create(one).response });
    const second = await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: authenticator.create(two).response });
    expect(first.status).toBe(201);
    expect(second).toMatchObject({ status: 409, json: { code: 3001 } });
  });

  it("finishes a registration PUT to //{ap}/…, as AuthFi's own sample client sends it", async () => {
    const request = await beginRegistration(server, newName());
    const { response } = authenticator.create(request);
    const answer = await rest(server.url, "PUT", `${server.url}//${accessPoint}/api/v1/webauthn/registration`, { body: { fido_register_response: response }, headers: { "AT-X-Key": apiKey } });
    expect(answer).toMatchObject({ status: 201, json: { code: 0, uid: request.user.id } });
  });

  // A challenge answers one ceremony: an attestation cannot be replayed.
  it("refuses a replayed attestation with 4000", async () => {
    const request = await beginRegistration(server, newName());
    const { response } = authenticator.create(request);
    expect((await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: response })).status).toBe(201);
    const again = await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: response });
    expect(again).toMatchObject({ status: 400, json: { code: 4000 } });
  });
});

describe("AuthFi login (first factor)", () => {
  it("answers discoverable request options and logs in with a registered key", async () => {
    const name = newName();
    const key = await registerKey(server, name, "packed");
    const answer = await authfi(server, "POST", "/webauthn/login", { params: { userVerification: "required" } });
    expect(answer.json).toMatchObject({ code: 0, fido_login_request: { rpId: "rp.example.com", timeout: 300000, allowCredentials: [], userVerification: "required", extensions: {} } });
    const challenge = (answer.json as { fido_login_request: { challenge: string } }).fido_login_request.challenge;
    const login = await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(key.credential, challenge, { withUserHandle: true }) });
    expect(login.status).toBe(200);
    expect(login.json).toMatchObject({ code: 0, user: { id: key.userId, name }, key_info: { credential_id: key.keyId, counter: 1, name: "" } });
  });

  // A replayed assertion or a cloned authenticator (counter not growing) is refused.
  it("refuses a replayed assertion (4000) and a counter that did not grow (3900)", async () => {
    const key = await registerKey(server, newName());
    const challenge = await loginChallenge(server);
    const assertion = authenticator.get(key.credential, challenge);
    expect((await authfi(server, "PUT", "/webauthn/login", { fido_login_response: assertion })).status).toBe(200);
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: assertion })).toMatchObject({ status: 400, json: { code: 4000 } });
    const cloned = authenticator.get(key.credential, await loginChallenge(server), { counter: 1 });
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: cloned })).toMatchObject({ status: 401, json: { code: 3900 } });
  });

  // A challenge issued for a second-factor verification must not open a first-factor login.
  it("refuses a verification challenge at PUT /login with 4000", async () => {
    const name = newName();
    const key = await registerKey(server, name);
    const assertion = authenticator.get(key.credential, await verificationChallenge(server, name), { withUserHandle: true });
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: assertion })).toMatchObject({ status: 400, json: { code: 4000 } });
  });

  it("refuses a signature that does not verify with 3900", async () => {
    const key = await registerKey(server, newName());
    const assertion = authenticator.get(key.credential, await loginChallenge(server));
    const signature = Buffer.from(assertion.response.signature, "base64url");
    signature[signature.length - 1]! ^= 0xff;
    const forged = { ...assertion, response: { ...assertion.response, signature: signature.toString("base64url") } };
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: forged })).toMatchObject({ status: 401, json: { code: 3900 } });
  });
});

describe("AuthFi verification (second factor)", () => {
  it("lists the user's keys and verifies one of them", async () => {
    const name = newName();
    const first = await registerKey(server, name);
    const second = await registerKey(server, name, "packed");
    const answer = await authfi(server, "POST", "/webauthn/verification", { uId: name, params: { userVerification: "required" } });
    expect(answer.json).toMatchObject({
      code: 0,
      fido_auth_request: { rpId: "rp.example.com", userVerification: "required", extensions: {}, allowCredentials: [expect.objectContaining({ type: "public-key", id: first.keyId }), expect.objectContaining({ id: second.keyId })] },
    });
    const challenge = (answer.json as { fido_auth_request: { challenge: string } }).fido_auth_request.challenge;
    const verified = await authfi(server, "PUT", "/webauthn/verification", { fido_auth_response: authenticator.get(second.credential, challenge) });
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ code: 0, uid: second.userId, key_info: { credential_id: second.keyId, counter: 1 } });
  });

  it("refuses another user's key (1002) and a login challenge (4000)", async () => {
    const alice = newName();
    await registerKey(server, alice);
    const mallory = await registerKey(server, newName());
    const challenge = await verificationChallenge(server, alice);
    expect(await authfi(server, "PUT", "/webauthn/verification", { fido_auth_response: authenticator.get(mallory.credential, challenge) })).toMatchObject({ status: 404, json: { code: 1002 } });
    const login = await loginChallenge(server);
    expect(await authfi(server, "PUT", "/webauthn/verification", { fido_auth_response: authenticator.get(mallory.credential, login) })).toMatchObject({ status: 400, json: { code: 4000 } });
  });
});
