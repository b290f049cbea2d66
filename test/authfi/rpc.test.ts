import { randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { callRpc, closeGrpcClients, rpcTransports, type RpcResult, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { flags, type SoftwareCredential } from "../harness/software-authenticator.js";
import { accessPoint, apiKey, authenticator, createAccessPoint, newName, startAuthfiServer } from "./authfi-client.js";

let server: TestServer;

beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

type Creation = ReturnType<typeof authenticator.create>["response"];
type Assertion = ReturnType<typeof authenticator.get>;
type Caller = (method: string, input: Record<string, unknown>, options?: { ap?: string; key?: string | null }) => Promise<RpcResult>;

/** The software authenticator's JSON as the proto's init shape. */
const attestation = (r: Creation) => ({ id: r.id, rawId: r.rawId, type: r.type, response: { clientDataJson: r.response.clientDataJSON, attestationObject: r.response.attestationObject, transports: r.response.transports } });
const assertion = (a: Assertion) => ({
  id: a.id,
  rawId: a.rawId,
  type: a.type,
  response: { clientDataJson: a.response.clientDataJSON, authenticatorData: a.response.authenticatorData, signature: a.response.signature, ...("userHandle" in a.response ? { userHandle: a.response.userHandle } : {}) },
});

const output = (result: RpcResult): Record<string, unknown> => {
  if (!result.ok) throw new Error(`RPC failed: ${result.reason} ${result.message}`);
  return result.output;
};

function caller(transport: RpcTransport): Caller {
  return (method, input, options = {}) => {
    const key = options.key === undefined ? apiKey : options.key;
    const headers: Record<string, string> = key === null ? {} : { "at-x-key": key };
    const full = { accessPoint: options.ap ?? accessPoint, ...input };
    return method === "authfiListUsers" || method === "authfiUpdateUser" || method === "authfiDeleteUser"
      ? callRpc(transport, server.url, IdentityService, IdentityServiceService, method, full, headers)
      : callRpc(transport, server.url, WebAuthnService, WebAuthnServiceService, method, full, headers);
  };
}

async function beginRegistration(call: Caller, name: string, options: { ap?: string; key?: string } = {}) {
  const params = { user: { name, displayName: name }, authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: true, userVerification: "required" }, attestation: "direct" };
  return output(await call("authfiBeginRegistration", { params }, options)).fido_register_request as { challenge: string; user: { id: string } };
}

async function register(call: Caller, name: string, format: "none" | "packed" = "none", options: { ap?: string; key?: string } = {}): Promise<{ credential: SoftwareCredential; userId: string; keyId: string }> {
  const { credential, response } = authenticator.create(await beginRegistration(call, name, options), format);
  const finished = output(await call("authfiFinishRegistration", { fidoRegisterResponse: attestation(response) }, options));
  return { credential, userId: finished.uid as string, keyId: (finished.key_info as { credential_id: string }).credential_id };
}

async function loginChallenge(call: Caller): Promise<string> {
  return (output(await call("authfiBeginLogin", { params: { userVerification: "required" } })).fido_login_request as { challenge: string }).challenge;
}

describe.each(rpcTransports)("AuthFi over %s", (transport) => {
  const call = caller(transport);

  it("runs registration, login, verification and every management operation", async () => {
    const name = newName(transport);
    const request = await beginRegistration(call, name);
    expect(request).toMatchObject({ user: { name }, extensions: {}, excludeCredentials: [] });
    const { credential, response } = authenticator.create(request, "packed");
    const registered = output(await call("authfiFinishRegistration", { fidoRegisterResponse: attestation(response) }));
    expect(registered).toMatchObject({ code: 0, uid: request.user.id, key_info: { credential_id: response.id, counter: 0, name: "" } });

    const login = output(await call("authfiFinishLogin", { fidoLoginResponse: assertion(authenticator.get(credential, await loginChallenge(call), { withUserHandle: true })) }));
    expect(login).toMatchObject({ code: 0, user: { id: request.user.id, name }, key_info: { credential_id: response.id, counter: 1 } });

    const begun = output(await call("authfiBeginVerification", { uId: name, params: { userVerification: "required" } }));
    const options = begun.fido_auth_request as { challenge: string; allowCredentials: Array<{ id: string }> };
    expect(options.allowCredentials.map((descriptor) => descriptor.id)).toEqual([response.id]);
    const verified = output(await call("authfiFinishVerification", { fidoAuthResponse: assertion(authenticator.get(credential, options.challenge)) }));
    expect(verified).toMatchObject({ code: 0, uid: request.user.id, key_info: { counter: 2 } });

    const users = output(await call("authfiListUsers", { page: 1, size: 100 }));
    expect(users.users).toEqual(expect.arrayContaining([expect.objectContaining({ id: request.user.id, name, state: "activate" })]));
    expect(output(await call("authfiUpdateUser", { userId: request.user.id, status: "suspend" }))).toMatchObject({ code: 0, user: { state: "suspend" } });
    expect(output(await call("authfiUpdateUser", { userId: request.user.id, status: "activate" }))).toMatchObject({ user: { state: "activate" } });
    expect(output(await call("authfiListKeys", { userId: request.user.id }))).toMatchObject({ code: 0, total: 1, keys: [{ credential_id: response.id }] });
    expect(output(await call("authfiRenameKey", { userId: request.user.id, id: response.id, name: "KeyA" }))).toMatchObject({ code: 0, key_info: { name: "KeyA" } });
    expect(output(await call("authfiDeleteKey", { userId: request.user.id, id: response.id }))).toMatchObject({ code: 0, deleteKeys: 1 });
    await register(call, name);
    expect(output(await call("authfiDeleteUser", { userId: request.user.id }))).toMatchObject({ code: 0, deleteUser: { id: request.user.id, name }, deleteUserRegisterKeys: 1 });
  });

  it("answers every AuthFi error with its reason and code", async () => {
    const expectError = async (result: Promise<RpcResult>, code: Code, reason: string) => {
      const answer = await result;
      expect(answer).toMatchObject({ ok: false, code, reason });
    };
    const suspended = await createAccessPoint(server, { slug: `s${transport}${randomBytes(3).toString("hex")}`, state: "suspended" });
    const capped = await createAccessPoint(server, { slug: `c${transport}${randomBytes(3).toString("hex")}`, userCap: 0 });
    // 1000, 1001, 1002
    await expectError(call("authfiBeginLogin", { params: {} }, { key: null }), Code.Unauthenticated, "AUTHFI_UNAUTHENTICATED");
    await expectError(call("authfiListUsers", {}, { key: "wrong" }), Code.Unauthenticated, "AUTHFI_UNAUTHENTICATED");
    await expectError(call("authfiListUsers", {}, { ap: suspended.slug, key: suspended.apiKey }), Code.PermissionDenied, "AUTHFI_ACCESS_POINT_BLOCKED");
    await expectError(call("authfiBeginVerification", { params: {} }), Code.InvalidArgument, "AUTHFI_INVALID_PARAMETER");
    await expectError(call("authfiListUsers", { size: 10 }), Code.InvalidArgument, "AUTHFI_INVALID_PARAMETER");
    await expectError(call("authfiListKeys", { userId: Buffer.alloc(16, 9).toString("base64url") }), Code.NotFound, "AUTHFI_USER_NOT_FOUND");
    // 2000, 3000, 3001
    const name = newName(transport);
    const key = await register(call, name);
    output(await call("authfiUpdateUser", { userId: key.userId, status: "suspend" }));
    await expectError(call("authfiBeginVerification", { uId: name, params: {} }), Code.PermissionDenied, "AUTHFI_USER_SUSPENDED");
    output(await call("authfiUpdateUser", { userId: key.userId, status: "activate" }));
    await expectError(call("authfiBeginRegistration", { params: { user: { name } } }, { ap: capped.slug, key: capped.apiKey }), Code.PermissionDenied, "AUTHFI_USER_CAP");
    for (let i = 0; i < 9; i++) await register(call, name);
    await expectError(call("authfiBeginRegistration", { params: { user: { name } } }), Code.AlreadyExists, "AUTHFI_KEY_LIMIT");
    // 3100, 3200–3800, 4000, 4100, 4200, 5000
    const fresh = newName(transport);
    await expectError(call("authfiFinishRegistration", {}), Code.InvalidArgument, "AUTHFI_MALFORMED_REGISTRATION");
    const formats = [
      ["bogus", "AUTHFI_ATTESTATION_INVALID"],
      ["fido-u2f", "AUTHFI_ATTESTATION_FIDO_U2F"],
      ["packed", "AUTHFI_ATTESTATION_PACKED"],
      ["tpm", "AUTHFI_ATTESTATION_TPM"],
      ["android-safetynet", "AUTHFI_ATTESTATION_ANDROID_SAFETYNET"],
      ["android-key", "AUTHFI_ATTESTATION_ANDROID_KEY"],
      ["apple", "AUTHFI_ATTESTATION_APPLE"],
    ] as const;
    for (const [fmt, reason] of formats) {
      const attStmt = new Map<string, unknown>([["alg", -7], ["sig", randomBytes(70)], ["ver", "2.0"], ["x5c", [randomBytes(40)]]]);
      const bad = authenticator.create(await beginRegistration(call, fresh), "none", { fmt, attStmt });
      await expectError(call("authfiFinishRegistration", { fidoRegisterResponse: attestation(bad.response) }), Code.InvalidArgument, reason);
    }
    const foreign = authenticator.create(await beginRegistration(call, fresh), "none", { origin: "https://evil.example.com" });
    await expectError(call("authfiFinishRegistration", { fidoRegisterResponse: attestation(foreign.response) }), Code.InvalidArgument, "AUTHFI_CLIENT_DATA_INVALID");
    const otherRp = authenticator.create(await beginRegistration(call, fresh), "none", { rpId: "evil.example.com" });
    await expectError(call("authfiFinishRegistration", { fidoRegisterResponse: attestation(otherRp.response) }), Code.InvalidArgument, "AUTHFI_AUTHENTICATOR_DATA_INVALID");
    const unverified = authenticator.create(await beginRegistration(call, fresh), "none", { flags: flags.up | flags.at });
    await expectError(call("authfiFinishRegistration", { fidoRegisterResponse: attestation(unverified.response) }), Code.InvalidArgument, "AUTHFI_FLAGS_INVALID");
    const late = await beginRegistration(call, fresh);
    await server.app.database.db.updateTable("webauthn_challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("challenge", "=", late.challenge).execute();
    await expectError(call("authfiFinishRegistration", { fidoRegisterResponse: attestation(authenticator.create(late).response) }), Code.FailedPrecondition, "AUTHFI_CEREMONY_TIMEOUT");
    // 3900 (malformed and refused), 1002 for an unknown key
    await expectError(call("authfiFinishLogin", {}), Code.InvalidArgument, "AUTHFI_MALFORMED_ASSERTION");
    output(await call("authfiFinishLogin", { fidoLoginResponse: assertion(authenticator.get(key.credential, await loginChallenge(call))) }));
    const cloned = authenticator.get(key.credential, await loginChallenge(call), { counter: key.credential.counter });
    await expectError(call("authfiFinishLogin", { fidoLoginResponse: assertion(cloned) }), Code.Unauthenticated, "AUTHFI_ASSERTION_REFUSED");
    const stranger = authenticator.newCredential().credential;
    await expectError(call("authfiFinishLogin", { fidoLoginResponse: assertion(authenticator.get(stranger, await loginChallenge(call))) }), Code.NotFound, "AUTHFI_KEY_NOT_FOUND");
  });
});
