/**
 * A third-party or SAML login that cannot go on: `error` is the OAuth-style code Hanko puts
 * in the error redirect (`invalid_request`, `access_denied`, `server_error`,
 * `signup_disabled`, `user_conflict`, …), `description` its `error_description`.
 */
export class LoginError extends Error {
  override readonly name = "LoginError";

  constructor(
    readonly error: string,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(`${error}: ${description}`, options);
  }
}

/** A user as an identity provider describes them. */
export interface ExternalUser {
  /** The OAuth provider's name, or `saml:<domain>`. */
  provider: string;
  /** The provider's stable id of the user (OpenID `sub`, GitHub id, SAML NameID). */
  subject: string;
  email: string | undefined;
  /** The provider vouches for the address. */
  emailVerified: boolean;
  /** What else the provider said, kept with the identity. */
  claims: Record<string, unknown>;
}
