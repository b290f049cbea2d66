import type { RestCredential } from "./rest-binding.js";

/** An OpenAPI security scheme object. */
export type SecurityScheme = Record<string, unknown>;

/** Security requirements: any one of the objects suffices, all of an object's schemes are needed. */
export type SecurityRequirements = Array<Record<string, string[]>>;

/** The schemes a credential may be presented in, and how they combine. */
interface CredentialSchemes {
  schemes: Record<string, SecurityScheme>;
  requirements: SecurityRequirements;
}

/**
 * The security schemes of each `tessera.rest.v1.CredentialScheme`, as the resolvers in
 * src/products/<product>/*-credentials.ts read them.
 */
const byScheme: ReadonlyMap<number, CredentialSchemes> = new Map<number, CredentialSchemes>([
  [
    1, // CREDENTIAL_SCHEME_HANKO_SESSION
    {
      schemes: {
        hankoSessionBearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A Hanko session JWT in `Authorization: Bearer`." },
        hankoSessionCookie: { type: "apiKey", in: "cookie", name: "hanko", description: "The Hanko session JWT in the `hanko` cookie (read when there is no bearer token)." },
      },
      requirements: [{ hankoSessionBearer: [] }, { hankoSessionCookie: [] }],
    },
  ],
  [
    2, // CREDENTIAL_SCHEME_AUTHENTICATOR_TOKEN
    {
      schemes: {
        authenticatorToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An Authenticator API token in `Authorization: Bearer`." },
        authenticatorClientIdCookie: { type: "apiKey", in: "cookie", name: "CLIENTID", description: "The client id the token is bound to." },
        authenticatorClientIdHeader: { type: "apiKey", in: "header", name: "x-client-id", description: "The client id the token is bound to, where a cookie cannot be set (read when there is no `CLIENTID` cookie)." },
      },
      requirements: [
        { authenticatorToken: [], authenticatorClientIdCookie: [] },
        { authenticatorToken: [], authenticatorClientIdHeader: [] },
      ],
    },
  ],
  [
    3, // CREDENTIAL_SCHEME_AUTHFI_API_KEY
    {
      schemes: { authfiApiKey: { type: "apiKey", in: "header", name: "AT-X-KEY", description: "The API key of the access point named in the path." } },
      requirements: [{ authfiApiKey: [] }],
    },
  ],
  [
    4, // CREDENTIAL_SCHEME_JINCOR_SERVICE_TOKEN
    {
      schemes: { jincorServiceToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A Jincor VERIFY service JWT (HS256 under `VERIFY_JWT_SECRET`)." } },
      requirements: [{ jincorServiceToken: [] }],
    },
  ],
]);

/** The schemes and requirements of a declared credential. */
export function securityOf(credential: RestCredential): CredentialSchemes {
  const schemes = byScheme.get(credential.scheme);
  if (schemes === undefined) throw new Error(`unknown tessera.rest.v1.CredentialScheme ${credential.scheme}`);
  return schemes;
}
