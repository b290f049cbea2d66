// A browser app as a developer writes it against the packed @tessera/client: the CI check
// installs the tarball into a fresh project, type-checks this file and bundles it for browsers.
import { create } from "@bufbuild/protobuf";
import { Code, createClient, createTesseraTransport, describeError, IdentityService, SessionService, type Reason } from "@tessera/client";
import { CreateUserRequestSchema } from "@tessera/client/identity";
import { AuthenticatorService } from "@tessera/client/authenticator";

/** Exhaustive over a few reasons: a reason the server does not raise would fail the typecheck. */
function explain(reason: Reason | undefined): string {
  switch (reason) {
    case "EMAIL_TAKEN":
      return "This address already has an account.";
    case "RATE_LIMIT":
      return "Too many attempts: wait a minute.";
    case undefined:
      return "Something went wrong.";
    default:
      return `Refused (${reason}).`;
  }
}

export async function signUp(baseUrl: string, email: string): Promise<string> {
  let clientId: string | undefined;
  const transport = createTesseraTransport({ baseUrl, protocol: "grpc-web", clientId: () => clientId });
  const session = createClient(SessionService, transport);
  const identity = createClient(IdentityService, transport);
  const authenticator = createClient(AuthenticatorService, transport);
  try {
    const config = await session.getConfig({});
    const jwks = await session.getJwks({});
    const user = await identity.createUser(create(CreateUserRequestSchema, { email }));
    void authenticator;
    clientId = "from sign-up";
    return `${user.userId} ${jwks.keys.length} ${JSON.stringify(config.emails)}`;
  } catch (thrown) {
    const error = describeError(thrown);
    if (error.network) return "Tessera cannot be reached from this page (is its origin in CORS_ORIGINS?).";
    return error.code === Code.ResourceExhausted ? explain("RATE_LIMIT") : explain(error.reason);
  }
}
