import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Schema } from "../store/schema.js";
import type { ServiceRegistration } from "../transport/services.js";
import { adminKeyId, createAdminKeyResolver, type AdminPrincipal } from "./admin-key.js";
import { adminService, type AdminHandlers } from "./admin-service.js";
import type { CredentialResolver } from "../core/credentials/credential-resolver.js";
import type { KeyService } from "../core/keys/key.service.js";
import { createSignedTokens } from "../core/session/signed-token.js";
import { hankoSessionPolicy } from "../products/hanko/policy.js";
import { accessTokenPolicy } from "../products/authenticator/policy.js";
import { createUserDirectory, directoryProducts } from "../store/admin/user-directory.store.js";
import { createUserLockStore } from "../store/identity/user-lock.store.js";
import { noAdminActions, type AdminActions } from "./admin-action.port.js";
import { createAdminSessionsHandler } from "./admin-sessions.handler.js";
import { createAdminTokensHandler } from "./admin-tokens.handler.js";
import { authentiqClaims, authentiqKeys, hankoOneTimeTokens, rowBackedJwts } from "./token-introspectors.js";
import type { SecretBox } from "../core/keys/secret-box.js";
import { createOneTimeTokens } from "../core/session/one-time-token.js";
import { createOneTimeTokenStore } from "../store/session/one-time-token.store.js";
import { defaultTenantId } from "../store/schema.js";
import { createAdminUsersHandler } from "./admin-users.handler.js";
import { createAdminAuthentiqKeysHandler } from "./admin-authentiq-keys.handler.js";
import { createAuthentiqKeyDirectory } from "../store/admin/authentiq-key-directory.store.js";

/** What the admin API is built from. */
export interface AdminApiOptions {
  db: Kysely<Schema>;
  /** ADMIN_API_KEY; unset disables the admin API (every call UNAUTHENTICATED). */
  adminApiKey: string | undefined;
  logger: Logger;
  clock: Clock;
  keys: KeyService;
  secrets: SecretBox;
  /** The `iss` of the claims the Authentiq issuer signs. */
  authentiqIssuer: string;
  /** Where admin acts are reported (the audit trail); none records nothing. */
  actions?: AdminActions;
  /** Handler files added by other areas (audit events, webhooks). */
  extraParts?: readonly AdminHandlers[];
}

/** The admin API as the management port mounts it. */
export interface AdminApi {
  registration: ServiceRegistration;
  adminKey: CredentialResolver<AdminPrincipal>;
}

/**
 * Assembles tessera.admin.v1.AdminService from its handler files, and says in the start-up log
 * whether the admin API is enabled (with the key's id, never the key) or disabled and why.
 */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const { logger, adminApiKey } = options;
  const adminKey = createAdminKeyResolver(adminApiKey);
  if (adminApiKey === undefined) logger.warn("admin API disabled: ADMIN_API_KEY is not set, so every tessera.admin.v1.AdminService call answers UNAUTHENTICATED");
  else logger.info("admin API enabled on the management port", { adminKeyId: adminKeyId(adminApiKey) });
  const { db, clock, keys } = options;
  const directory = createUserDirectory(db);
  const actions = options.actions ?? noAdminActions;
  const parts: AdminHandlers[] = [
    createAdminUsersHandler({ directory, actions, clock, products: directoryProducts }),
    createAdminSessionsHandler({ directory, actions, clock }),
    createAdminAuthentiqKeysHandler({ keys: createAuthentiqKeyDirectory(db, defaultTenantId), actions }),
    createAdminTokensHandler({
      locks: createUserLockStore(db),
      introspectors: [
        rowBackedJwts({ family: { type: "hanko_session", product: "hanko", tokens: createSignedTokens(keys, hankoSessionPolicy, clock) }, directory, clock }),
        rowBackedJwts({ family: { type: "authenticator_token", product: "authenticator", tokens: createSignedTokens(keys, accessTokenPolicy, clock) }, directory, clock }),
        authentiqClaims({ keys, issuer: options.authentiqIssuer, directory, clock }),
        authentiqKeys(directory),
        hankoOneTimeTokens(createOneTimeTokens({ store: createOneTimeTokenStore(db, defaultTenantId), secrets: options.secrets, clock })),
      ],
    }),
    ...(options.extraParts ?? []),
  ];
  return { registration: adminService({ parts, adminKey, logger }), adminKey };
}
