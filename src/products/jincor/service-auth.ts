import { createSecretKey, type KeyObject } from "node:crypto";
import { errors, jwtVerify } from "jose";
import { DomainError } from "../../core/errors/domain-error.js";

/** Checks the service token on a Jincor VERIFY call. */
export type ServiceAuth = (authorization: string | null) => Promise<void>;

/**
 * Creates the check of Jincor's `Authorization: Bearer <JWT>`: HS256 under `secret`, `exp`
 * enforced when present. With no secret configured every call is refused. Throws
 * SERVICE_UNAUTHENTICATED (unauthenticated).
 */
export function createServiceAuth(secret: string | undefined): ServiceAuth {
  // Imported once: jose re-imports a raw key on every call (DESIGN.md "Performance").
  const key: KeyObject | undefined = secret === undefined ? undefined : createSecretKey(Buffer.from(secret, "utf8"));
  return async (authorization) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (key === undefined || token === undefined) throw refused();
    try {
      await jwtVerify(token, key, { algorithms: ["HS256"] });
    } catch (error) {
      if (error instanceof errors.JOSEError) throw refused(error);
      throw error;
    }
  };
}

function refused(cause?: unknown): DomainError {
  return new DomainError("SERVICE_UNAUTHENTICATED", "unauthenticated", "Not Authorized", { cause });
}
