import { clone, create, setExtension, type DescMethod } from "@bufbuild/protobuf";
import { MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { AuthenticatorService } from "../../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { IdentityService } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import { VerifyService } from "../../../gen/es/tessera/verify/v1/verify_pb.js";
import { WebAuthnService } from "../../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { credential as credentialOption, CredentialSchema, CredentialScheme } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import type { AccessTokens } from "../../products/authenticator/access-token.service.js";
import { createAuthenticatorTokenResolver } from "../../products/authenticator/token-credentials.js";
import type { AccessPointService } from "../../products/authfi/tenant.service.js";
import { createAuthfiApiKeyResolver } from "../../products/authfi/api-key-credentials.js";
import type { SessionTokens } from "../../core/session/session-token.service.js";
import { createHankoSessionResolver } from "../../products/hanko/session-credentials.js";
import { createServiceTokenResolver } from "../../products/jincor/service-token-credentials.js";
import { createCredentialGate } from "./credential-gate.js";
import type { CredentialResolvers } from "./credential-gate.js";

// A credential declaration is part of an RPC's security: a mistyped Authenticator `state`
// once passed start and refused every call of that RPC (or, had the check been looser, let a
// token of the wrong state through). The product resolvers check every declaration of their
// scheme when the gate is built, and a bad one stops the server naming the RPC.

/** The product resolvers as the composition root registers them; their services are never called here. */
const resolvers: CredentialResolvers = {
  [CredentialScheme.HANKO_SESSION]: createHankoSessionResolver({} as SessionTokens),
  [CredentialScheme.AUTHENTICATOR_TOKEN]: createAuthenticatorTokenResolver({} as AccessTokens),
  [CredentialScheme.AUTHFI_API_KEY]: createAuthfiApiKeyResolver({} as AccessPointService),
  [CredentialScheme.JINCOR_SERVICE_TOKEN]: createServiceTokenResolver("secret"),
};

/** A copy of `method` whose `tessera.rest.v1.credential` option is `declared`: a fake RPC declaration. */
function declaring(method: DescMethod, declared: { scheme: CredentialScheme; state?: string; tenantField?: string }): DescMethod {
  const options = method.proto.options === undefined ? create(MethodOptionsSchema) : clone(MethodOptionsSchema, method.proto.options);
  setExtension(options, credentialOption, create(CredentialSchema, declared));
  return { ...method, proto: { ...method.proto, options } } as DescMethod;
}

const rpc = (service: { methods: DescMethod[] }, name: string) => service.methods.find((candidate) => candidate.name === name)!;

describe("credential declarations checked at start", () => {
  it("accept every declaration of the protos as they are", () => {
    const methods = [...IdentityService.methods, ...AuthenticatorService.methods, ...WebAuthnService.methods, ...VerifyService.methods];
    expect(() => createCredentialGate(methods, resolvers)).not.toThrow();
  });

  const bad: Array<[string, DescMethod, RegExp]> = [
    [
      "an Authenticator token state that is no state",
      declaring(rpc(AuthenticatorService, "GetLoginDeviceChallenge"), { scheme: CredentialScheme.AUTHENTICATOR_TOKEN, state: "authorised" }),
      /^tessera\.authenticator\.v1\.AuthenticatorService\/GetLoginDeviceChallenge declares AUTHENTICATOR_TOKEN with the state "authorised", which is none of unverified, identified, authorized$/,
    ],
    [
      "an Authenticator token with no state",
      declaring(rpc(AuthenticatorService, "GetLoginDeviceChallenge"), { scheme: CredentialScheme.AUTHENTICATOR_TOKEN }),
      /AuthenticatorService\/GetLoginDeviceChallenge declares AUTHENTICATOR_TOKEN with the state ""/,
    ],
    [
      "a Hanko session with a state",
      declaring(rpc(IdentityService, "GetCurrentUser"), { scheme: CredentialScheme.HANKO_SESSION, state: "authorized" }),
      /IdentityService\/GetCurrentUser declares HANKO_SESSION with a state \("authorized"\), which the scheme has not/,
    ],
    [
      "a Jincor service token with a tenant field",
      declaring(rpc(IdentityService, "GetCurrentUser"), { scheme: CredentialScheme.JINCOR_SERVICE_TOKEN, tenantField: "access_point" }),
      /IdentityService\/GetCurrentUser declares JINCOR_SERVICE_TOKEN with a tenant field \(access_point\)/,
    ],
    [
      "an AuthFi API key without the field naming its access point",
      declaring(rpc(IdentityService, "AuthfiListUsers"), { scheme: CredentialScheme.AUTHFI_API_KEY }),
      /IdentityService\/AuthfiListUsers declares AUTHFI_API_KEY with no tenant field/,
    ],
  ];

  it.each(bad)("stop the server for %s, naming the RPC", (_name, method, message) => {
    expect(() => createCredentialGate([method], resolvers)).toThrow(message);
  });
});
