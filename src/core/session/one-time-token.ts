import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { DomainError } from "../errors/domain-error.js";
import type { SecretBox } from "../keys/secret-box.js";
import type { Schema } from "../../store/schema.js";

const hashContext = "one-time-token";

/**
 * Issues a one-time token for `userId`, valid `ttlSeconds`: 32 random bytes, base64url. Only
 * its HMAC is stored. (Third-party login issues these; `POST /token` exchanges them.)
 */
export async function issueOneTimeToken(db: Kysely<Schema>, secrets: SecretBox, tenantId: string, userId: string, ttlSeconds: number): Promise<string> {
  const value = randomBytes(32).toString("base64url");
  await db
    .insertInto("one_time_tokens")
    .values({ tenant_id: tenantId, user_id: userId, value_hash: secrets.hash(value, hashContext), expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})` })
    .execute();
  return value;
}

/**
 * Consumes a one-time token and returns its user. Throws INVALID_TOKEN_FORMAT (invalid) for
 * something that cannot be a token, TOKEN_INVALID (precondition) for an unknown, used or
 * expired one.
 */
export async function consumeOneTimeToken(db: Kysely<Schema>, secrets: SecretBox, tenantId: string, value: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(value)) {
    throw new DomainError("INVALID_TOKEN_FORMAT", "invalid", "value must be a base64url token", { details: { details: [{ path: "value", error: "invalid" }] } });
  }
  const row = await db
    .updateTable("one_time_tokens")
    .set({ used_at: sql<Date>`now()` })
    .where("value_hash", "=", secrets.hash(value, hashContext))
    .where("tenant_id", "=", tenantId)
    .where("used_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .returning("user_id")
    .executeTakeFirst();
  if (row === undefined) throw new DomainError("TOKEN_INVALID", "precondition", "the token is unknown, used or expired");
  return row.user_id;
}
