import type { Kysely } from "kysely";
import type { StoredUser } from "../../transfer/transfer.port.js";
import { knownTransports } from "../../core/webauthn/transports.js";
import type { Schema } from "../schema.js";

/**
 * One page of users in id order after `afterId`, each with its contacts, password hash,
 * credentials, factor settings, AuthFi record, lock and linked identities: eight statements a page whatever its size, and
 * a page's worth of memory whatever the number of users.
 */
export async function usersAfter(db: Kysely<Schema>, afterId: string | undefined, limit: number): Promise<StoredUser[]> {
  let page = db.selectFrom("users").innerJoin("tenants", "tenants.id", "users.tenant_id").select(["users.id", "users.tenant_id", "tenants.slug", "users.created_at", "users.updated_at", "users.locked_at", "users.lock_reason", "users.created_through", "users.username"]).orderBy("users.id").limit(limit);
  if (afterId !== undefined) page = page.where("users.id", ">", afterId);
  const users = await page.execute();
  if (users.length === 0) return [];
  const ids = users.map((user) => user.id);
  const [emails, phones, passwords, credentials, settings, authfi, identities] = await Promise.all([
    db.selectFrom("emails").select(["user_id", "address", "verified", "is_primary"]).where("user_id", "in", ids).orderBy("user_id").orderBy("is_primary", "desc").orderBy("address").execute(),
    db.selectFrom("phone_numbers").select(["user_id", "number", "verified"]).where("user_id", "in", ids).orderBy("user_id").orderBy("number").execute(),
    db.selectFrom("passwords").select(["user_id", "hash"]).where("user_id", "in", ids).execute(),
    db.selectFrom("webauthn_credentials").selectAll().where("user_id", "in", ids).orderBy("user_id").orderBy("created_at").orderBy("credential_id").execute(),
    db.selectFrom("authenticator_settings").selectAll().where("user_id", "in", ids).execute(),
    db.selectFrom("authfi_users").selectAll().where("user_id", "in", ids).execute(),
    db
      .selectFrom("identities")
      .leftJoin("emails", "emails.id", "identities.email_id")
      .select(["identities.user_id", "identities.provider", "identities.provider_user_id", "emails.address", "identities.data", "identities.created_at", "identities.updated_at"])
      .where("identities.user_id", "in", ids)
      .orderBy("identities.user_id")
      .orderBy("identities.provider")
      .orderBy("identities.provider_user_id")
      .execute(),
  ]);
  const byUser = <T extends { user_id: string }>(rows: T[]) => {
    const grouped = new Map<string, T[]>();
    for (const row of rows) grouped.set(row.user_id, [...(grouped.get(row.user_id) ?? []), row]);
    return grouped;
  };
  const emailsOf = byUser(emails);
  const phonesOf = byUser(phones);
  const credentialsOf = byUser(credentials);
  const identitiesOf = byUser(identities);
  const passwordOf = new Map(passwords.map((row) => [row.user_id, row.hash]));
  const settingsOf = new Map(settings.map((row) => [row.user_id, row]));
  const authfiOf = new Map(authfi.map((row) => [row.user_id, row]));
  return users.map((user) => {
    const factors = settingsOf.get(user.id);
    const record = authfiOf.get(user.id);
    return {
      id: user.id,
      tenantId: user.tenant_id,
      tenant: user.slug,
      createdAt: user.created_at,
      updatedAt: user.updated_at,
      emails: (emailsOf.get(user.id) ?? []).map((row) => ({ address: row.address, verified: row.verified, primary: row.is_primary })),
      phones: (phonesOf.get(user.id) ?? []).map((row) => ({ number: row.number, verified: row.verified })),
      passwordHash: passwordOf.get(user.id) ?? null,
      credentials: (credentialsOf.get(user.id) ?? []).map((row) => ({
        product: row.product,
        credentialId: new Uint8Array(row.credential_id),
        publicKey: new Uint8Array(row.public_key),
        signCount: Number(row.sign_count),
        transports: knownTransports(row.transports),
        aaguid: row.aaguid,
        backupEligible: row.backup_eligible,
        backedUp: row.backed_up,
        userHandle: row.user_handle === null ? null : new Uint8Array(row.user_handle),
        name: row.name,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
      })),
      factors:
        factors === undefined
          ? null
          : {
              isCodeAllowed: factors.is_code_allowed,
              isTotpAllowed: factors.is_totp_allowed,
              isDeviceAllowed: factors.is_device_allowed,
              // An offered secret not yet confirmed is no factor: it is left behind.
              sealedTotpSecret: factors.is_totp_allowed && factors.totp_secret !== null ? new Uint8Array(factors.totp_secret) : null,
              totpLastUsedStep: factors.is_totp_allowed && factors.totp_secret !== null ? factors.totp_last_used_step : null,
            },
      authfi: record === undefined ? null : { name: record.name, displayName: record.display_name, state: record.state },
      locked: user.locked_at === null ? null : { at: user.locked_at, reason: user.lock_reason },
      createdThrough: user.created_through,
      username: user.username,
      identities: (identitiesOf.get(user.id) ?? []).map((row) => ({
        provider: row.provider,
        providerUserId: row.provider_user_id,
        email: row.address,
        // PGlite and node-postgres both parse jsonb; a driver handing text back is read here too.
        data: typeof row.data === "string" ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      })),
    };
  });
}
