import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Schema } from "../schema.js";

const hashContext = "thirdparty-state";
const verifierContext = (stateHash: Buffer) => `thirdparty-pkce:${stateHash.toString("base64url")}`;

/** What a login state remembers between the redirect out and the callback. */
export interface LoginState {
  protocol: "oauth" | "saml";
  /** The OAuth provider's name or the SAML domain. */
  provider: string;
  redirectTo: string;
  /** The PKCE code verifier (OAuth only). */
  codeVerifier: string | undefined;
  /** The OpenID Connect nonce. */
  nonce: string | undefined;
}

/**
 * Stores a new login state and returns its value (32 random bytes, base64url), which goes to
 * the provider as `state` or RelayState. Only its HMAC is stored; the PKCE verifier is sealed.
 */
export async function createLoginState(db: Kysely<Schema>, secrets: SecretBox, tenantId: string, state: LoginState, ttlSeconds: number): Promise<string> {
  const value = randomBytes(32).toString("base64url");
  const stateHash = secrets.hash(value, hashContext);
  await db
    .insertInto("thirdparty_states")
    .values({
      tenant_id: tenantId,
      state_hash: stateHash,
      protocol: state.protocol,
      provider: state.provider,
      redirect_to: state.redirectTo,
      code_verifier: state.codeVerifier === undefined ? null : secrets.encrypt(Buffer.from(state.codeVerifier), verifierContext(stateHash)),
      nonce: state.nonce ?? null,
      expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
    })
    .execute();
  return value;
}

/**
 * Consumes a login state of `protocol`: single use, unexpired. Undefined for an unknown, used,
 * expired or malformed value, so a forged or replayed state never gets further.
 */
export async function consumeLoginState(db: Kysely<Schema>, secrets: SecretBox, tenantId: string, protocol: LoginState["protocol"], value: string): Promise<LoginState | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
  const stateHash = secrets.hash(value, hashContext);
  const row = await db
    .updateTable("thirdparty_states")
    .set({ used_at: sql<Date>`now()` })
    .where("state_hash", "=", stateHash)
    .where("tenant_id", "=", tenantId)
    .where("protocol", "=", protocol)
    .where("used_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .returning(["provider", "redirect_to", "code_verifier", "nonce"])
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    protocol,
    provider: row.provider,
    redirectTo: row.redirect_to,
    codeVerifier: row.code_verifier === null ? undefined : secrets.decrypt(row.code_verifier, verifierContext(stateHash)).toString(),
    nonce: row.nonce ?? undefined,
  };
}
