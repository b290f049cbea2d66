import { create } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { IdentityService } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import { CredentialScheme } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import { ListCredentialsRequestSchema, WebAuthnService } from "../../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { createCredentialGate } from "./credential-gate.js";
import { principalKey, type CredentialResolver } from "../../core/credentials/credential-resolver.js";

// The gate once looked a method up by object identity in the table it built at
// start and let any method it did not know through unchecked. A method that declares a
// credential must never be served unauthenticated because the gate was built over another
// list (a second copy of a generated module, a service registered later, a refactor of
// server.ts): it must fail closed.
describe("the credential gate, given a method it was not built over", () => {
  it("still resolves (or refuses) the credential the method declares", async () => {
    const refused = new Error("refused");
    const session: CredentialResolver<{ userId: string }> = { key: principalKey("hanko session"), check: () => undefined, resolve: () => Promise.reject(refused) };
    const resolvers = { [CredentialScheme.HANKO_SESSION]: session, [CredentialScheme.AUTHFI_API_KEY]: session };
    const gate = createCredentialGate(IdentityService.methods, resolvers);
    const listCredentials = WebAuthnService.methods.find((candidate) => candidate.name === "ListCredentials")!;
    const values = createContextValues();
    await expect(gate(listCredentials, new Headers(), create(ListCredentialsRequestSchema), values)).rejects.toBe(refused);
  });
});
