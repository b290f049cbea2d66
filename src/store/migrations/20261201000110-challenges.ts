import { sql, type Kysely } from "kysely";

/**
 * One table of one-time secret challenges for every product, in place of `passcodes` (Hanko),
 * `verifications` (Jincor) and `authentiq_revocations`. Unexpired passcodes and verifications
 * move over with their HMACs (bound to the same `purpose:id` context); Authentiq's open
 * revocation requests were found by a hash of the contact the new table does not hold, so they
 * lapse (a code is asked for again, as after 10 minutes anyway).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("challenges")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("subject", "bytea")
    .addColumn("secret_hash", "bytea")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("challenges_subject_idx").on("challenges").columns(["tenant_id", "purpose", "subject", "created_at"]).execute();
  await db.schema.createIndex("challenges_expires_idx").on("challenges").column("expires_at").execute();

  await sql`
    insert into challenges (id, tenant_id, purpose, secret_hash, attempts, max_attempts, user_id, data, created_at, expires_at, closed_at)
    select id, tenant_id, 'passcode', code_hash, attempts, 3, user_id, jsonb_build_object('emailId', email_id), created_at, expires_at, used_at
    from passcodes where expires_at > now()`.execute(db);
  await sql`
    insert into challenges (id, tenant_id, purpose, secret_hash, attempts, max_attempts, data, created_at, expires_at, closed_at)
    select id, tenant_id, 'jincor-code', code_hash, attempts, 5,
      jsonb_build_object('method', method, 'consumer', consumer) || case when payload is null then '{}'::jsonb else jsonb_build_object('payload', payload) end,
      created_at, expires_at, closed_at
    from verifications where expires_at > now()`.execute(db);
  await db.schema.dropTable("passcodes").execute();
  await db.schema.dropTable("verifications").execute();
  await db.schema.dropTable("authentiq_revocations").execute();
}

/** Puts the three tables back, with the unexpired passcodes and verifications, and drops `challenges`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("passcodes")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("email_id", "uuid", (c) => c.notNull().references("emails.id").onDelete("cascade"))
    .addColumn("code_hash", "bytea", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("passcodes_user_idx").on("passcodes").columns(["user_id", "created_at"]).execute();
  await db.schema
    .createTable("verifications")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("method", "text", (c) => c.notNull().check(sql`method in ('email', 'phone', 'google_auth')`))
    .addColumn("consumer", "text", (c) => c.notNull())
    .addColumn("code_hash", "bytea")
    .addColumn("payload", "jsonb")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("verifications_expires_idx").on("verifications").column("expires_at").execute();
  await db.schema
    .createTable("authentiq_revocations")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("contact_hash", "bytea", (c) => c.notNull())
    .addColumn("pk", "text")
    .addColumn("code_hash", "bytea", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("authentiq_revocations_contact_idx").on("authentiq_revocations").columns(["tenant_id", "contact_hash", "created_at"]).execute();

  await sql`
    insert into passcodes (id, tenant_id, user_id, email_id, code_hash, attempts, created_at, expires_at, used_at)
    select c.id, c.tenant_id, c.user_id, (c.data->>'emailId')::uuid, c.secret_hash, c.attempts, c.created_at, c.expires_at, c.closed_at
    from challenges c join emails e on e.id = (c.data->>'emailId')::uuid
    where c.purpose = 'passcode' and c.expires_at > now()`.execute(db);
  await sql`
    insert into verifications (id, tenant_id, method, consumer, code_hash, payload, attempts, created_at, expires_at, closed_at)
    select id, tenant_id, data->>'method', data->>'consumer', secret_hash, data->'payload', attempts, created_at, expires_at, closed_at
    from challenges where purpose = 'jincor-code' and expires_at > now()`.execute(db);
  await db.schema.dropTable("challenges").execute();
}
