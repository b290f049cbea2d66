import { sql, type Kysely } from "kysely";

/**
 * The Authenticator API's codes become challenges (the id of the token they belong to), in
 * place of the code columns of `authenticator_tokens`. Pending tokens keep their code: its HMAC
 * moves over (bound to the same `authenticator-code:<token id>` context) with its wrong answers,
 * `created_at` set so that the code stops answering when it did (300 s).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    insert into challenges (id, tenant_id, purpose, secret_hash, attempts, max_attempts, user_id, created_at, expires_at)
    select t.id, t.tenant_id, 'authenticator-code', t.code_hash, t.attempts, 5,
      case when t.state = 'unverified' then null else t.user_id end,
      coalesce(t.code_expires_at - interval '300 seconds', t.created_at), t.expires_at
    from authenticator_tokens t
    where t.state <> 'authorized' and t.used_at is null and t.revoked_at is null and t.expires_at > now()
      and (t.state = 'unverified' or exists (select 1 from users u where u.id = t.user_id))`.execute(db);
  await db.schema.alterTable("authenticator_tokens").dropColumn("code_hash").dropColumn("code_expires_at").dropColumn("attempts").execute();
}

/** Puts the code columns back, with the codes of pending tokens, and drops their challenges. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("authenticator_tokens")
    .addColumn("code_hash", "bytea")
    .addColumn("code_expires_at", "timestamptz")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    update authenticator_tokens t set code_hash = c.secret_hash, code_expires_at = c.created_at + interval '300 seconds', attempts = c.attempts
    from challenges c where c.id = t.id and c.purpose = 'authenticator-code'`.execute(db);
  await sql`delete from challenges where purpose = 'authenticator-code'`.execute(db);
}
