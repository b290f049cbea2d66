import { create } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { IdentityService, AuthfiListUsersRequestSchema, GetCurrentUserRequestSchema, CreateUserRequestSchema } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import { CredentialScheme } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import { createCredentialGate } from "./credential-gate.js";
import { principalKey, type CredentialCall, type CredentialResolver } from "../../core/credentials/credential-resolver.js";

const method = (name: string) => IdentityService.methods.find((candidate) => candidate.name === name)!;

function recording<P>(principal: P): CredentialResolver<P> & { calls: CredentialCall[] } {
  const calls: CredentialCall[] = [];
  return {
    key: principalKey<P>("test"),
    calls,
    check: () => undefined,
    resolve(call) {
      calls.push(call);
      return Promise.resolve(principal);
    },
  };
}

describe("createCredentialGate", () => {
  it("refuses to start when an RPC declares a scheme no resolver serves", () => {
    expect(() => createCredentialGate(IdentityService.methods, { [CredentialScheme.HANKO_SESSION]: recording({}) })).toThrow(
      /AuthfiListUsers declares AUTHFI_API_KEY, which no resolver serves/,
    );
  });

  it("leaves the declared scheme's principal in the call's values, with the declared tenant field's value", async () => {
    const session = recording({ userId: "u1" });
    const apiKey = recording({ tenantId: "t1" });
    const gate = createCredentialGate(IdentityService.methods, { [CredentialScheme.HANKO_SESSION]: session, [CredentialScheme.AUTHFI_API_KEY]: apiKey });
    const header = new Headers({ "at-x-key": "k" });

    const authfiValues = createContextValues();
    await gate(method("AuthfiListUsers"), header, create(AuthfiListUsersRequestSchema, { accessPoint: "ap-1" }), authfiValues);
    expect(authfiValues.get(apiKey.key)).toEqual({ tenantId: "t1" });
    expect(authfiValues.get(session.key)).toBeUndefined();
    expect(apiKey.calls.map((call) => [call.tenant, call.header.get("at-x-key")])).toEqual([["ap-1", "k"]]);

    const hankoValues = createContextValues();
    await gate(method("GetCurrentUser"), header, create(GetCurrentUserRequestSchema), hankoValues);
    expect(hankoValues.get(session.key)).toEqual({ userId: "u1" });
    expect(session.calls.map((call) => call.tenant)).toEqual([undefined]);
  });

  it("resolves nothing for an RPC that declares no credential", async () => {
    const session = recording({ userId: "u1" });
    const gate = createCredentialGate(IdentityService.methods, { [CredentialScheme.HANKO_SESSION]: session, [CredentialScheme.AUTHFI_API_KEY]: recording({}) });
    const values = createContextValues();
    await gate(method("CreateUser"), new Headers(), create(CreateUserRequestSchema), values);
    expect(session.calls).toEqual([]);
    expect(values.get(session.key)).toBeUndefined();
  });

  it("says which RPCs declare a credential, so that the others skip it", () => {
    const gate = createCredentialGate(IdentityService.methods, { [CredentialScheme.HANKO_SESSION]: recording({}), [CredentialScheme.AUTHFI_API_KEY]: recording({}) });
    expect(gate.declares(method("CreateUser"))).toBe(false);
    expect(gate.declares(method("GetCurrentUser"))).toBe(true);
    expect(gate.declares(method("GetCurrentUser")), "asked again, from the descriptor's cache").toBe(true);
  });

  it("lets a refusal through to the caller, leaving no principal", async () => {
    const refused = new Error("refused");
    const key = principalKey<{ userId: string }>("refusing");
    const gate = createCredentialGate(IdentityService.methods, {
      [CredentialScheme.HANKO_SESSION]: { key, check: () => undefined, resolve: () => Promise.reject(refused) },
      [CredentialScheme.AUTHFI_API_KEY]: recording({}),
    });
    const values = createContextValues();
    await expect(gate(method("GetCurrentUser"), new Headers(), create(GetCurrentUserRequestSchema), values)).rejects.toBe(refused);
    expect(values.get(key)).toBeUndefined();
  });
});
