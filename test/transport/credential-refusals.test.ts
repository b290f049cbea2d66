import { getOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http } from "../../gen/es/google/api/annotations_pb.js";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { credential, CredentialScheme } from "../../gen/es/tessera/rest/v1/rest_pb.js";
import { ScopeService } from "../../gen/es/tessera/scope/v1/scope_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { VerifyServiceService } from "../../gen/grpc-js/tessera/verify/v1/verify.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { accessPoint, apiKey } from "../authfi/authfi-client.js";
import { freshEmail } from "../hanko/hanko-client.js";
import { serviceToken, verifyJwtSecret } from "../jincor/jincor-client.js";
import { createSessionTokens } from "../../src/core/session/session-token.service.js";
import { hankoSessionPolicy } from "../../src/products/hanko/policy.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createSessionStore } from "../../src/store/session/session.store.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports, type RpcResult } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// Credentials are resolved by the transport, not by each handler: this table proves that every
// RPC taking a credential refuses a call without it, with garbage, or with another product's
// valid credential, in its own product's words, over REST and every RPC transport alike. A
// handler that forgot its check, or a scheme resolved for the wrong product, fails here.

type Product = "hanko" | "authenticator" | "authfi" | "jincor";

/** Each product's refusal, as its clients see it today (REST dialect body; RPC code and reason). */
const refusals: Record<Product, { status: number; body: unknown; code: Code; reason: string }> = {
  hanko: { status: 401, body: { code: 401, message: "Unauthorized" }, code: Code.Unauthenticated, reason: "UNAUTHENTICATED" },
  authenticator: {
    status: 401,
    body: { error: { code: "invalid_token", message: "The token is invalid or expired" } },
    code: Code.Unauthenticated,
    reason: "INVALID_TOKEN",
  },
  authfi: { status: 401, body: { code: 1000, message: "API key or access point not accepted" }, code: Code.Unauthenticated, reason: "AUTHFI_UNAUTHENTICATED" },
  jincor: { status: 401, body: { status: 401, error: "Not Authorized" }, code: Code.Unauthenticated, reason: "SERVICE_UNAUTHENTICATED" },
};

/** The scheme each product's RPCs declare. */
const schemeOf: Record<Product, CredentialScheme> = {
  hanko: CredentialScheme.HANKO_SESSION,
  authenticator: CredentialScheme.AUTHENTICATOR_TOKEN,
  authfi: CredentialScheme.AUTHFI_API_KEY,
  jincor: CredentialScheme.JINCOR_SERVICE_TOKEN,
};

/** Every RPC that takes a credential, by product. */
const credentialed: Record<Product, Array<[DescService, grpc.ServiceDefinition, string[]]>> = {
  hanko: [
    [IdentityService, IdentityServiceService, ["GetUser", "GetCurrentUser", "DeleteCurrentUser", "ListEmails", "CreateEmail", "SetPrimaryEmail", "DeleteEmail"]],
    [SessionService, SessionServiceService, ["SetPassword", "Logout"]],
    [WebAuthnService, WebAuthnServiceService, ["InitializeRegistration", "FinalizeRegistration", "ListCredentials", "UpdateCredential", "DeleteCredential"]],
  ],
  authenticator: [
    [
      AuthenticatorService,
      AuthenticatorServiceService,
      ["VerifySignUp", "VerifyLoginCode", "GetLoginDeviceChallenge", "VerifyLoginDevice", "CreateDevice", "VerifyDevice", "RemoveDevice", "RevokeToken", "VerifyToken", "UpdateUser"],
    ],
  ],
  authfi: [
    [IdentityService, IdentityServiceService, ["AuthfiListUsers", "AuthfiUpdateUser", "AuthfiDeleteUser"]],
    [
      WebAuthnService,
      WebAuthnServiceService,
      [
        "AuthfiBeginRegistration",
        "AuthfiFinishRegistration",
        "AuthfiBeginLogin",
        "AuthfiFinishLogin",
        "AuthfiBeginVerification",
        "AuthfiFinishVerification",
        "AuthfiListKeys",
        "AuthfiRenameKey",
        "AuthfiDeleteKey",
      ],
    ],
  ],
  jincor: [[VerifyService, VerifyServiceService, ["InitiateVerification", "ValidateVerification", "GetVerification", "DeleteVerification"]]],
};

const products = Object.keys(credentialed) as Product[];
const placeholderId = "0b4c7f4e-5b8e-4c55-9d2c-3e6b2c1d9a10";

let server: TestServer;
/** A valid credential of each product, as the headers that carry it. */
let valid: Record<Product, Record<string, string>>;

beforeAll(async () => {
  server = await startTestServer({ AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey, VERIFY_JWT_SECRET: verifyJwtSecret });
  // A real Hanko session, issued as a passcode login issues one (expect.poll cannot run here).
  const user = await rest(server.url, "POST", "/users", { body: { email: freshEmail() } });
  expect(user.status, user.text).toBe(200);
  const sessions = createSessionTokens({ store: createSessionStore(server.app.database.db, defaultTenantId), keys: server.app.keys, lifetime: 3600, policy: hankoSessionPolicy });
  const hanko = await sessions.issue((user.json as { user_id: string }).user_id);
  const signup = await rest(server.url, "POST", "/api/v1/signup", { body: { email: freshEmail() } });
  expect(signup.status, signup.text).toBe(201);
  const { token, clientID: clientId } = signup.json as { token: string; clientID: string };
  valid = {
    hanko: { authorization: `Bearer ${hanko.token}`, cookie: `hanko=${hanko.token}` },
    authenticator: { authorization: `Bearer ${token}`, cookie: `CLIENTID=${clientId}`, "x-client-id": clientId },
    authfi: { "at-x-key": apiKey },
    jincor: { authorization: `Bearer ${await serviceToken()}` },
  };
});

afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

/** The calls each RPC is refused: none, garbage, and every other product's valid credential. */
function casesFor(product: Product): Array<[string, Record<string, string>]> {
  const garbage: Record<Product, Record<string, string>> = {
    hanko: { authorization: "Bearer not.a.jwt", cookie: "hanko=garbage" },
    authenticator: { authorization: "Bearer not.a.jwt", cookie: "CLIENTID=garbage" },
    authfi: { "at-x-key": "not-the-key" },
    jincor: { authorization: "Bearer not.a.jwt" },
  };
  return [
    ["no credential", {}],
    ["a garbage credential", garbage[product]],
    ...products.filter((other) => other !== product).map((other): [string, Record<string, string>] => [`${other}'s credential`, valid[other]]),
  ];
}

/** The REST call of `method`: its verb and its path with every variable filled. */
function restCall(method: DescMethod): { verb: string; path: string; hasBody: boolean } {
  const rule = getOption(method, http);
  const pattern = rule.pattern;
  if (pattern.case === undefined || pattern.case === "custom") throw new Error(`${method.name} has no REST verb`);
  const path = pattern.value.replace(/\{([^}]+)\}/g, (_all, name: string) => (name === "access_point" ? accessPoint : placeholderId));
  return { verb: pattern.case.toUpperCase(), path, hasBody: rule.body !== "" };
}

function rpcInput(method: DescMethod): Record<string, unknown> {
  return method.input.fields.some((field) => field.name === "access_point") ? { accessPoint } : {};
}

describe("every RPC that declares a credential", () => {
  it("is the table's list, and every RPC in it declares its product's scheme", () => {
    const declared = [IdentityService, SessionService, WebAuthnService, VerifyService, AuthenticatorService, ScopeService]
      .flatMap((service) => service.methods)
      .filter((method) => getOption(method, credential).scheme !== CredentialScheme.UNSPECIFIED)
      .map((method) => `${method.parent.name}/${method.name}:${CredentialScheme[getOption(method, credential).scheme]}`)
      .sort();
    const expected = products
      .flatMap((product) => credentialed[product].flatMap(([service, , names]) => names.map((name) => `${service.name}/${name}:${CredentialScheme[schemeOf[product]]}`)))
      .sort();
    expect(declared).toEqual(expected);
  });

  for (const product of products) {
    for (const [service, definition, names] of credentialed[product]) {
      for (const name of names) {
        it(`${service.name}/${name} answers ${product}'s refusal over REST and every RPC transport`, async () => {
          const method = service.methods.find((candidate) => candidate.name === name)!;
          const expected = refusals[product];
          const { verb, path, hasBody } = restCall(method);
          const accept: Record<string, string> = product === "jincor" ? { accept: "application/vnd.jincor+json; version=1" } : {};
          const calls = casesFor(product).flatMap(([label, headers]) => [
            rest(server.url, verb, path, { ...(hasBody ? { body: {} } : {}), headers: { ...accept, ...headers } }).then((response) => ({
              label: `${label} over REST`,
              actual: { status: response.status, body: response.json },
              wanted: { status: expected.status, body: expected.body },
            })),
            ...rpcTransports.map((transport) =>
              callRpc(transport, server.url, service, definition, method.localName, rpcInput(method), headers).then((result: RpcResult) => ({
                label: `${label} over ${transport}`,
                actual: result.ok ? { ok: true } : { code: result.code, reason: result.reason },
                wanted: { code: expected.code, reason: expected.reason },
              })),
            ),
          ]);
          const outcomes = await Promise.all(calls);
          expect(outcomes.map((outcome) => [outcome.label, outcome.actual])).toEqual(outcomes.map((outcome) => [outcome.label, outcome.wanted]));
        });
      }
    }
  }
});
