import { clientIdCookie, clientIdHeader } from "../../src/products/authenticator/token-credentials.js";
import { apiKeyHeader } from "../../src/products/authfi/api-key-credentials.js";
import { sessionCookie } from "../../src/products/hanko/session-credentials.js";
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
 * The security schemes of each `tessera.rest.v1.CredentialScheme` (by value name), as the
 * resolvers in src/products/<product>/*-credentials.ts read them, with their cookie and header names.
 */
const byScheme: ReadonlyMap<string, CredentialSchemes> = new Map<string, CredentialSchemes>([
  [
    "CREDENTIAL_SCHEME_HANKO_SESSION",
    {
      schemes: {
        hankoSessionBearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A Hanko session JWT in `Authorization: Bearer`." },
        hankoSessionCookie: { type: "apiKey", in: "cookie", name: sessionCookie, description: `The Hanko session JWT in the \`${sessionCookie}\` cookie (read when there is no bearer token).` },
      },
      requirements: [{ hankoSessionBearer: [] }, { hankoSessionCookie: [] }],
    },
  ],
  [
    "CREDENTIAL_SCHEME_AUTHENTICATOR_TOKEN",
    {
      schemes: {
        authenticatorToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An Authenticator API token in `Authorization: Bearer`." },
        authenticatorClientIdCookie: { type: "apiKey", in: "cookie", name: clientIdCookie, description: "The client id the token is bound to." },
        authenticatorClientIdHeader: {
          type: "apiKey",
          in: "header",
          name: clientIdHeader,
          description: `The client id the token is bound to, where a cookie cannot be set (read when there is no \`${clientIdCookie}\` cookie).`,
        },
      },
      requirements: [
        { authenticatorToken: [], authenticatorClientIdCookie: [] },
        { authenticatorToken: [], authenticatorClientIdHeader: [] },
      ],
    },
  ],
  [
    "CREDENTIAL_SCHEME_AUTHFI_API_KEY",
    {
      // Header names are case-insensitive; the document spells it as AuthFi's documentation does.
      schemes: { authfiApiKey: { type: "apiKey", in: "header", name: apiKeyHeader.toUpperCase(), description: "The API key of the access point named in the path." } },
      requirements: [{ authfiApiKey: [] }],
    },
  ],
  [
    "CREDENTIAL_SCHEME_JINCOR_SERVICE_TOKEN",
    {
      schemes: { jincorServiceToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A Jincor VERIFY service JWT (HS256 under `VERIFY_JWT_SECRET`)." } },
      requirements: [{ jincorServiceToken: [] }],
    },
  ],
  [
    "CREDENTIAL_SCHEME_ADMIN_KEY",
    {
      schemes: { adminApiKey: { type: "http", scheme: "bearer", description: "The operator's `ADMIN_API_KEY` in `Authorization: Bearer` (management port only)." } },
      requirements: [{ adminApiKey: [] }],
    },
  ],
]);

/** The credential schemes the plugin documents, by value name (a test holds them to the generated enum). */
export const documentedSchemes: readonly string[] = [...byScheme.keys()];

/** The schemes and requirements of a declared credential. */
export function securityOf(credential: RestCredential): CredentialSchemes {
  const schemes = byScheme.get(credential.scheme);
  if (schemes === undefined) throw new Error(`unknown tessera.rest.v1.CredentialScheme ${credential.scheme}`);
  return schemes;
}
