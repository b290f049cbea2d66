import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { migrateDown } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { useUnmigratedDatabase } from "../harness/unmigrated-database.js";

// Upgrading records which product registered each existing credential: an AuthFi access point's
// are AuthFi's; in the default tenant, one stored right after the user's Authenticator device
// challenge was used up is the Authenticator API's, any other Hanko's.

const fresh = useUnmigratedDatabase();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let db: Kysely<any>;
beforeAll(() => {
  db = fresh.db;
});
const migrateTo = (name: string) => fresh.migrateTo(name);

describe("the credential product migration", () => {
  it("names AuthFi's, the Authenticator API's and Hanko's existing credentials, and goes back down", async () => {
    await migrateTo("20261201000200-webauthn-challenge-purpose");
    const tenant = (await db.insertInto("tenants").values({ slug: `ap-${Date.now()}`, state: "active" }).returning("id").executeTakeFirstOrThrow()) as { id: string };
    const newUser = async (tenantId: string) => ((await db.insertInto("users").values({ tenant_id: tenantId }).returning("id").executeTakeFirstOrThrow()) as { id: string }).id;
    const both = await newUser(defaultTenantId);
    const hankoOnly = await newUser(defaultTenantId);
    const authfiUser = await newUser(tenant.id);
    const at = (seconds: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + seconds * 1000);
    const used = async (userId: string, tenantId: string, purpose: string, usedAt: Date) =>
      db.insertInto("webauthn_challenges").values({ tenant_id: tenantId, user_id: userId, ceremony: "registration", purpose, challenge: randomBytes(16).toString("base64url"), expires_at: at(3600), used_at: usedAt }).execute();
    const credential = async (userId: string, tenantId: string, createdAt: Date) => {
      const id = randomBytes(16);
      await db.insertInto("webauthn_credentials").values({ tenant_id: tenantId, user_id: userId, credential_id: id, public_key: randomBytes(8), sign_count: 0, transports: [], aaguid: null, backed_up: false, name: null, last_used_at: null, created_at: createdAt }).execute();
      return id.toString("hex");
    };
    // A Hanko passkey, then an Authenticator device, then another passkey of the same user.
    await used(both, defaultTenantId, "hanko:registration", at(0));
    const passkey = await credential(both, defaultTenantId, at(1));
    await used(both, defaultTenantId, "authenticator:device", at(10));
    const device = await credential(both, defaultTenantId, at(11));
    await used(both, defaultTenantId, "hanko:registration", at(20));
    const later = await credential(both, defaultTenantId, at(21));
    // No challenge left (registered before challenges named their purpose, or pruned): Hanko's.
    const old = await credential(hankoOnly, defaultTenantId, at(30));
    await used(authfiUser, tenant.id, "authfi:registration", at(40));
    const key = await credential(authfiUser, tenant.id, at(41));

    await migrateTo("20261201000210-webauthn-credential-product");
    const rows = (await db.selectFrom("webauthn_credentials").select(["credential_id", "product"]).execute()) as Array<{ credential_id: Uint8Array; product: string }>;
    const products = Object.fromEntries(rows.map((row) => [Buffer.from(row.credential_id).toString("hex"), row.product]));
    expect(products).toEqual({ [passkey]: "hanko", [device]: "authenticator", [later]: "hanko", [old]: "hanko", [key]: "authfi" });
    // No default: an insert that names no product fails.
    await expect(db.insertInto("webauthn_credentials").values({ tenant_id: defaultTenantId, user_id: hankoOnly, credential_id: randomBytes(16), public_key: randomBytes(8), sign_count: 0, transports: [], backed_up: false }).execute()).rejects.toThrow();

    await migrateDown(db);
    const columns = await db.selectFrom("information_schema.columns" as never).select("column_name" as never).where("table_name" as never, "=", "webauthn_credentials" as never).execute();
    expect((columns as Array<{ column_name: string }>).map((column) => column.column_name)).not.toContain("product");
    expect(await db.selectFrom("webauthn_credentials").select("id").execute()).toHaveLength(5);
  });
});
