import { createSecretKey, type KeyObject } from "node:crypto";
import { errors, jwtVerify, type JWTPayload } from "jose";
import { DomainError } from "../../core/errors/domain-error.js";
import { bearerToken } from "../../core/credentials/credential-headers.js";
import { declaresNothingMore, principalKey, type CredentialResolver } from "../../core/credentials/credential-resolver.js";

/** A verified Jincor VERIFY service token: its claims. */
export interface JincorServiceToken {
  claims: JWTPayload;
}

/** Where the transport leaves the service token of an RPC declaring `CREDENTIAL_SCHEME_JINCOR_SERVICE_TOKEN`. */
export const jincorServiceToken = principalKey<JincorServiceToken>("jincor service token");

/**
 * Resolves `CREDENTIAL_SCHEME_JINCOR_SERVICE_TOKEN`: `Authorization: Bearer <JWT>`, HS256 under
 * `secret`, `exp` enforced when present. With no secret configured every call is refused.
 * Throws SERVICE_UNAUTHENTICATED (unauthenticated).
 */
export function createServiceTokenResolver(secret: string | undefined): CredentialResolver<JincorServiceToken> {
  // Imported once: jose re-imports a raw key on every call (DESIGN.md "Performance").
  const key: KeyObject | undefined = secret === undefined ? undefined : createSecretKey(Buffer.from(secret, "utf8"));
  return {
    key: jincorServiceToken,
    check: declaresNothingMore,
    async resolve({ header }) {
      const token = bearerToken(header);
      if (key === undefined || token === undefined) throw refused();
      try {
        return { claims: (await jwtVerify(token, key, { algorithms: ["HS256"] })).payload };
      } catch (error) {
        if (error instanceof errors.JOSEError) throw refused(error);
        throw error;
      }
    },
  };
}

function refused(cause?: unknown): DomainError {
  return new DomainError("SERVICE_UNAUTHENTICATED", "unauthenticated", "Not Authorized", { cause });
}
