import { sql, type Kysely } from "kysely";

/**
 * The product a user was created through, recorded when the user is created, so the admin API
 * no longer guesses it from what the user left behind (a Hanko `POST /users` user with no session
 * showed no product at all). Existing rows are filled from the evidence the directory read until
 * now, the most specific first: another tenant's user is an AuthFi access point's; Authenticator
 * API settings, tokens or passkeys are the Authenticator API's; Hanko sessions, passwords, linked
 * identities or passkeys are Hanko's. A row with none of these stays null (unknown).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").addColumn("created_through", "text").execute();
  await sql`
    update users set created_through = case
      when tenant_id <> '00000000-0000-0000-0000-000000000000' then 'authfi'
      when exists (select 1 from authenticator_settings s where s.user_id = users.id)
        or exists (select 1 from authenticator_tokens t where t.user_id = users.id)
        or exists (select 1 from webauthn_credentials w where w.user_id = users.id and w.product = 'authenticator') then 'authenticator'
      when exists (select 1 from sessions h where h.user_id = users.id)
        or exists (select 1 from passwords p where p.user_id = users.id)
        or exists (select 1 from identities i where i.user_id = users.id)
        or exists (select 1 from webauthn_credentials w where w.user_id = users.id and w.product = 'hanko') then 'hanko'
    end`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("created_through").execute();
}
