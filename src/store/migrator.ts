// Migrations run against any schema: they are what defines it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import * as foundation from "./migrations/20261123000000-foundation.js";
import * as sessionsAndSecrets from "./migrations/20261123000100-sessions-and-secrets.js";
import * as verifications from "./migrations/20261123000200-verifications.js";
import * as authentiq from "./migrations/20261123000300-authentiq.js";
import * as authentiqScopes from "./migrations/20261130000100-authentiq-scopes.js";
import * as authfi from "./migrations/20261130000300-authfi.js";
import * as authenticator from "./migrations/20261130000400-authenticator.js";
import * as thirdparty from "./migrations/20261130000500-thirdparty.js";
import * as authenticatorHardening from "./migrations/20261130000600-authenticator-hardening.js";
import * as authfiPendingUsers from "./migrations/20261130000700-authfi-pending-users.js";
import * as outboxExpiry from "./migrations/20261201000000-outbox-expiry.js";
import * as limits from "./migrations/20261201000100-limits.js";
import * as challenges from "./migrations/20261201000110-challenges.js";
import * as authenticatorCodes from "./migrations/20261201000120-authenticator-codes.js";
import * as webauthnChallengePurpose from "./migrations/20261201000200-webauthn-challenge-purpose.js";
import * as webauthnCredentialProduct from "./migrations/20261201000210-webauthn-credential-product.js";
import * as challengeKey from "./migrations/20261202000100-challenge-key.js";
import * as userLocks from "./migrations/20261203000100-user-locks.js";
import * as auditEvents from "./migrations/20261203000200-audit-events.js";
import * as webhooks from "./migrations/20261203000210-webhooks.js";
import * as importedCredentials from "./migrations/20261203000300-imported-credentials.js";
import * as userCreatedThrough from "./migrations/20261204000100-user-created-through.js";
import * as usernames from "./migrations/20261206000100-usernames.js";
import * as limitTripped from "./migrations/20261206000300-limit-tripped.js";

/** Every migration, in order; a new one is added here and in `migrations/`. */
const migrations: Record<string, Migration> = {
  "20261123000000-foundation": foundation,
  "20261123000100-sessions-and-secrets": sessionsAndSecrets,
  "20261123000200-verifications": verifications,
  "20261123000300-authentiq": authentiq,
  "20261130000100-authentiq-scopes": authentiqScopes,
  "20261130000300-authfi": authfi,
  "20261130000400-authenticator": authenticator,
  "20261130000500-thirdparty": thirdparty,
  "20261130000600-authenticator-hardening": authenticatorHardening,
  "20261130000700-authfi-pending-users": authfiPendingUsers,
  "20261201000000-outbox-expiry": outboxExpiry,
  "20261201000100-limits": limits,
  "20261201000110-challenges": challenges,
  "20261201000120-authenticator-codes": authenticatorCodes,
  "20261201000200-webauthn-challenge-purpose": webauthnChallengePurpose,
  "20261201000210-webauthn-credential-product": webauthnCredentialProduct,
  "20261202000100-challenge-key": challengeKey,
  "20261203000100-user-locks": userLocks,
  "20261203000200-audit-events": auditEvents,
  "20261203000210-webhooks": webhooks,
  "20261203000300-imported-credentials": importedCredentials,
  "20261204000100-user-created-through": userCreatedThrough,
  "20261206000100-usernames": usernames,
  "20261206000300-limit-tripped": limitTripped,
};

/** A Kysely migrator over Tessera's migrations. */
export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Runs every pending migration; throws the first failure with its migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest();
  throwOnError(result);
  return result;
}

/** Undoes the newest migration. */
export async function migrateDown(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateDown();
  throwOnError(result);
  return result;
}

function throwOnError(result: MigrationResultSet): void {
  if (result.error === undefined) return;
  const failed = result.results?.find((r) => r.status === "Error");
  throw new Error(`migration ${failed?.migrationName ?? "(unknown)"} failed`, { cause: result.error });
}

/** Resolves when every migration this build knows has run; rejects naming the pending ones. */
export async function assertMigrationsCurrent(db: Kysely<any>): Promise<void> {
  const pending = (await createMigrator(db).getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
  if (pending.length > 0) throw new Error(`migrations pending: ${pending.join(", ")}`);
}
