import { createHash, timingSafeEqual } from "node:crypto";
import { bearerToken } from "../core/credentials/credential-headers.js";
import { declaresNothingMore, principalKey, type CredentialResolver } from "../core/credentials/credential-resolver.js";
import { DomainError } from "../core/errors/domain-error.js";

/** Who an admin call acts as: the id of the key it presented, for audit events' `actor`. */
export interface AdminPrincipal {
  /** The first 8 hex digits of SHA-256 of the key: names the key without revealing it. */
  readonly keyId: string;
}

/** Where the transport leaves the principal of an RPC declaring `CREDENTIAL_SCHEME_ADMIN_KEY`. */
export const adminPrincipal = principalKey<AdminPrincipal>("admin key");

/** The message of every admin call while ADMIN_API_KEY is unset. */
export const adminKeyUnsetMessage = "the admin API is disabled: ADMIN_API_KEY is not set";

/** The id of an admin key: the first 8 hex digits of its SHA-256, safe to log and to record. */
export function adminKeyId(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 8);
}

/**
 * Resolves `CREDENTIAL_SCHEME_ADMIN_KEY`: `Authorization: Bearer <ADMIN_API_KEY>`, compared in
 * constant time (SHA-256 digests of both, so that the length of the key does not show either).
 * The key lives only in this closure, from the environment. Unset, every call is refused with
 * ADMIN_KEY_UNSET; a missing or wrong key is ADMIN_KEY_INVALID; both unauthenticated.
 */
export function createAdminKeyResolver(adminApiKey: string | undefined): CredentialResolver<AdminPrincipal> {
  const expected = adminApiKey === undefined ? undefined : createHash("sha256").update(adminApiKey, "utf8").digest();
  const principal: AdminPrincipal | undefined = adminApiKey === undefined ? undefined : { keyId: adminKeyId(adminApiKey) };
  return {
    key: adminPrincipal,
    check: declaresNothingMore,
    resolve: ({ header }) => {
      if (expected === undefined || principal === undefined) return Promise.reject(new DomainError("ADMIN_KEY_UNSET", "unauthenticated", adminKeyUnsetMessage));
      const presented = bearerToken(header);
      const digest = createHash("sha256").update(presented ?? "", "utf8").digest();
      const matches = timingSafeEqual(digest, expected) && presented !== undefined;
      if (!matches) return Promise.reject(new DomainError("ADMIN_KEY_INVALID", "unauthenticated", "a valid admin key is required: Authorization: Bearer <ADMIN_API_KEY>"));
      return Promise.resolve(principal);
    },
  };
}
