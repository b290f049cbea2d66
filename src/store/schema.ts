import type { TenantTable, TenantApiKeyTable, UserTable, EmailTable, PhoneNumberTable, IdentityTable } from "./tables/identity.table.js";
import type { SigningKeyTable } from "./tables/signing-key.table.js";
import type { OutboxTable } from "./tables/outbox.table.js";
import type { SessionTable, PasswordTable, OneTimeTokenTable } from "./tables/session.table.js";
import type { WebauthnCredentialTable, WebauthnChallengeTable, PendingUser } from "./tables/webauthn.table.js";
import type { VerifyTotpSecretTable } from "./tables/verify.table.js";
import type { AuthentiqKeyTable, AuthentiqScopeJobTable } from "./tables/authentiq.table.js";
import type { AuthfiUserTable } from "./tables/authfi.table.js";
import type { AuthenticatorTokenTable, AuthenticatorSignupTable, AuthenticatorSettingsTable } from "./tables/authenticator.table.js";
import type { ChallengeTable } from "./tables/challenge.table.js";
import type { LimitTable } from "./tables/limit.table.js";
import type { AuditEventTable, WebhookTable, WebhookDeliveryTable } from "./tables/audit.table.js";
import type { ThirdPartyStateTable, SamlRequestTable, SamlAssertionTable } from "./tables/federation.table.js";

/** The tables, one file per area in `tables/`. */
export type {
  TenantTable,
  TenantApiKeyTable,
  UserTable,
  EmailTable,
  PhoneNumberTable,
  IdentityTable,
  SigningKeyTable,
  OutboxTable,
  SessionTable,
  PasswordTable,
  OneTimeTokenTable,
  WebauthnCredentialTable,
  WebauthnChallengeTable,
  PendingUser,
  ChallengeTable,
  VerifyTotpSecretTable,
  AuthentiqKeyTable,
  AuthentiqScopeJobTable,
  AuthfiUserTable,
  AuthenticatorTokenTable,
  AuthenticatorSignupTable,
  AuthenticatorSettingsTable,
  LimitTable,
  ThirdPartyStateTable,
  SamlRequestTable,
  SamlAssertionTable,
  AuditEventTable,
  WebhookTable,
  WebhookDeliveryTable,
};

/** The id of the tenant that serves Hanko, the Authenticator API, Authentiq and Jincor. */
export const defaultTenantId = "00000000-0000-0000-0000-000000000000";

/** Every table, for `Kysely<Schema>`. */
export interface Schema {
  tenants: TenantTable;
  tenant_api_keys: TenantApiKeyTable;
  users: UserTable;
  emails: EmailTable;
  webauthn_credentials: WebauthnCredentialTable;
  signing_keys: SigningKeyTable;
  outbox: OutboxTable;
  sessions: SessionTable;
  challenges: ChallengeTable;
  passwords: PasswordTable;
  webauthn_challenges: WebauthnChallengeTable;
  one_time_tokens: OneTimeTokenTable;
  verify_totp_secrets: VerifyTotpSecretTable;
  authentiq_keys: AuthentiqKeyTable;
  authentiq_scope_jobs: AuthentiqScopeJobTable;
  authfi_users: AuthfiUserTable;
  phone_numbers: PhoneNumberTable;
  authenticator_tokens: AuthenticatorTokenTable;
  authenticator_signups: AuthenticatorSignupTable;
  authenticator_settings: AuthenticatorSettingsTable;
  limits: LimitTable;
  thirdparty_states: ThirdPartyStateTable;
  saml_requests: SamlRequestTable;
  saml_assertions: SamlAssertionTable;
  identities: IdentityTable;
  audit_events: AuditEventTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
}
