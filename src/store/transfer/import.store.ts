import type { Kysely } from "kysely";
import type { TransferStore, UserToStore } from "../../transfer/transfer.port.js";
import type { Schema } from "../schema.js";
import { claimed } from "./claimed.js";
import { usersAfter } from "./export.store.js";

/** The import and export store over the identity tables. */
export function createTransferStore(db: Kysely<Schema>): TransferStore<Kysely<Schema>> {
  return {
    async tenantIds(slugs) {
      if (slugs.length === 0) return new Map();
      const rows = await db.selectFrom("tenants").select(["id", "slug"]).where("slug", "in", slugs).execute();
      return new Map(rows.map((row) => [row.slug, row.id]));
    },

    async existingUsers(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom("users").select(["id", "tenant_id"]).where("id", "in", ids).execute();
      return new Map(rows.map((row) => [row.id, row.tenant_id]));
    },

    insertUsers: (users, also) =>
      db.transaction().execute(async (tx) => {
        await insertUsers(tx, users);
        await also?.(tx);
      }),

    claimed: (claims) => claimed(db, claims),

    usersAfter: (afterId, limit) => usersAfter(db, afterId, limit),
  };
}

/** Inserts whole users, a multi-row statement per table: all of them or, on any conflict, none. */
async function insertUsers(tx: Kysely<Schema>, users: UserToStore[]): Promise<void> {
  if (users.length === 0) return;
  await tx
    .insertInto("users")
    .values(
      users.map((user) => ({
        id: user.id,
        tenant_id: user.tenantId,
        created_at: user.createdAt,
        updated_at: user.updatedAt ?? user.createdAt,
        locked_at: user.locked?.at ?? null,
        lock_reason: user.locked?.reason ?? null,
        created_through: user.createdThrough,
        username: user.username,
      })),
    )
    .execute();
  const emails = users.flatMap((user) =>
    user.emails.map((email) => ({ tenant_id: user.tenantId, user_id: user.id, address: email.address, verified: email.verified, is_primary: email.primary, created_at: user.createdAt, updated_at: user.updatedAt ?? user.createdAt })),
  );
  const emailIds = new Map<string, string>();
  if (emails.length > 0) for (const row of await tx.insertInto("emails").values(emails).returning(["id", "user_id", "address"]).execute()) emailIds.set(`${row.user_id} ${row.address}`, row.id);
  const phones = users.flatMap((user) => user.phones.map((phone) => ({ tenant_id: user.tenantId, user_id: user.id, number: phone.number, verified: phone.verified, created_at: user.createdAt })));
  if (phones.length > 0) await tx.insertInto("phone_numbers").values(phones).execute();
  const passwords = users.flatMap((user) => (user.passwordHash === null ? [] : [{ user_id: user.id, tenant_id: user.tenantId, hash: user.passwordHash, created_at: user.createdAt, updated_at: user.updatedAt ?? user.createdAt }]));
  if (passwords.length > 0) await tx.insertInto("passwords").values(passwords).execute();
  const credentials = users.flatMap((user) =>
    user.credentials.map((credential) => ({
      tenant_id: user.tenantId,
      user_id: user.id,
      product: credential.product,
      credential_id: Buffer.from(credential.credentialId),
      public_key: Buffer.from(credential.publicKey),
      sign_count: credential.signCount,
      transports: credential.transports,
      aaguid: credential.aaguid,
      backed_up: credential.backedUp,
      backup_eligible: credential.backupEligible,
      user_handle: credential.userHandle === null ? null : Buffer.from(credential.userHandle),
      name: credential.name,
      created_at: credential.createdAt,
      last_used_at: credential.lastUsedAt,
      updated_at: credential.lastUsedAt ?? credential.createdAt,
    })),
  );
  if (credentials.length > 0) await tx.insertInto("webauthn_credentials").values(credentials).execute();
  const settings = users.flatMap((user) =>
    user.factors === null
      ? []
      : [
          {
            user_id: user.id,
            tenant_id: user.tenantId,
            is_code_allowed: user.factors.isCodeAllowed,
            is_totp_allowed: user.factors.isTotpAllowed,
            is_device_allowed: user.factors.isDeviceAllowed,
            totp_secret: user.factors.sealedTotpSecret === null ? null : Buffer.from(user.factors.sealedTotpSecret),
            totp_last_used_step: user.factors.totpLastUsedStep,
            updated_at: user.updatedAt,
          },
        ],
  );
  if (settings.length > 0) await tx.insertInto("authenticator_settings").values(settings).execute();
  const authfi = users.flatMap((user) =>
    user.authfi === null ? [] : [{ user_id: user.id, tenant_id: user.tenantId, name: user.authfi.name, display_name: user.authfi.displayName, state: user.authfi.state, created_at: user.createdAt, updated_at: user.updatedAt ?? user.createdAt }],
  );
  if (authfi.length > 0) await tx.insertInto("authfi_users").values(authfi).execute();
  const identities = users.flatMap((user) =>
    user.identities.map((identity) => ({
      tenant_id: user.tenantId,
      user_id: user.id,
      provider: identity.provider,
      provider_user_id: identity.providerUserId,
      email_id: identity.email === null ? null : (emailIds.get(`${user.id} ${identity.email}`) ?? null),
      data: JSON.stringify(identity.data),
      created_at: identity.createdAt ?? user.createdAt,
      updated_at: identity.updatedAt ?? identity.createdAt ?? user.updatedAt ?? user.createdAt,
    })),
  );
  if (identities.length > 0) await tx.insertInto("identities").values(identities).execute();
}
