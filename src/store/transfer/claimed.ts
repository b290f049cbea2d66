import type { Kysely } from "kysely";
import { claimId, type UniqueClaim } from "../../transfer/unique-claims.js";
import type { Schema } from "../schema.js";

/** The claims (by `claimId`) some stored user holds: one statement per constraint that has claims. */
export async function claimed(db: Kysely<Schema>, claims: UniqueClaim[]): Promise<Set<string>> {
  const taken = new Set<string>();
  const byConstraint = new Map<string, string[][]>();
  for (const claim of claims) byConstraint.set(claim.constraint, [...(byConstraint.get(claim.constraint) ?? []), JSON.parse(claim.key) as string[]]);
  const mark = (constraint: string, parts: unknown[]) => taken.add(claimId({ constraint, key: JSON.stringify(parts) }));
  for (const [constraint, keys] of byConstraint) {
    const tenants = [...new Set(keys.map((key) => key[0]!))];
    const values = [...new Set(keys.map((key) => key[1]!))];
    switch (constraint) {
      case "emails_tenant_address_key":
        for (const row of await db.selectFrom("emails").select(["tenant_id", "address"]).where("tenant_id", "in", tenants).where("address", "in", values).execute()) mark(constraint, [row.tenant_id, row.address]);
        break;
      case "phone_numbers_tenant_number_key":
        for (const row of await db.selectFrom("phone_numbers").select(["tenant_id", "number"]).where("tenant_id", "in", tenants).where("number", "in", values).execute()) mark(constraint, [row.tenant_id, row.number]);
        break;
      case "webauthn_credentials_tenant_credential_key": {
        const ids = values.map((value) => Buffer.from(value, "base64url"));
        for (const row of await db.selectFrom("webauthn_credentials").select(["tenant_id", "credential_id"]).where("tenant_id", "in", tenants).where("credential_id", "in", ids).execute()) {
          mark(constraint, [row.tenant_id, Buffer.from(row.credential_id).toString("base64url")]);
        }
        break;
      }
      case "authfi_users_tenant_name_key":
        for (const row of await db.selectFrom("authfi_users").select(["tenant_id", "name"]).where("tenant_id", "in", tenants).where("name", "in", values).execute()) mark(constraint, [row.tenant_id, row.name]);
        break;
      case "users_tenant_username_key":
        for (const row of await db.selectFrom("users").select(["tenant_id", "username"]).where("tenant_id", "in", tenants).where("username", "in", values).execute()) mark(constraint, [row.tenant_id, row.username]);
        break;
      case "identities_provider_user_key": {
        const subjects = [...new Set(keys.map((key) => key[2]!))];
        for (const row of await db.selectFrom("identities").select(["tenant_id", "provider", "provider_user_id"]).where("tenant_id", "in", tenants).where("provider", "in", values).where("provider_user_id", "in", subjects).execute()) {
          mark(constraint, [row.tenant_id, row.provider, row.provider_user_id]);
        }
        break;
      }
    }
  }
  return taken;
}
