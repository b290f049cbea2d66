import type { Config } from "./config/config.js";
import { createOutboxWorker, type OutboxSettings, type OutboxWorker } from "./delivery/outbox-worker.js";
import { createSenders } from "./delivery/senders.js";
import { createAccessTokens } from "./products/authenticator/access-token.service.js";
import { createLimiter } from "./core/limit/limit.service.js";
import { createChallenges } from "./core/challenge/challenge.service.js";
import { systemClock, type Clock } from "./core/clock.js";
import { createLimitStore } from "./store/limit/limit.store.js";
import { createChallengeStore } from "./store/challenge/challenge.store.js";
import { createAuthenticatorHandler } from "./products/authenticator/authenticator.handler.js";
import { createAuthenticatorTokenResolver } from "./products/authenticator/token-credentials.js";
import { createDeviceService } from "./products/authenticator/device.service.js";
import { createLoginService } from "./products/authenticator/login.service.js";
import { createSignupService } from "./products/authenticator/signup.service.js";
import { createUserSettingsService } from "./products/authenticator/user-settings.service.js";
import { createAuthentiqKeyHandler } from "./products/authentiq/key.handler.js";
import { createAuthfiApiKeyResolver } from "./products/authfi/api-key-credentials.js";
import { createAuthfiIdentityHandler } from "./products/authfi/authfi-identity.handler.js";
import { createAuthfiWebauthnHandler } from "./products/authfi/authfi-webauthn.handler.js";
import { createAuthfiCeremonyService } from "./products/authfi/ceremony.service.js";
import { createAuthfiManagementService } from "./products/authfi/management.service.js";
import { createAccessPointService } from "./products/authfi/tenant.service.js";
import { createAuthentiqKeyService } from "./products/authentiq/key.service.js";
import { createAuthentiqKeyStore, createKeyRevocationStore } from "./store/authentiq/key.store.js";
import { createRevocationService } from "./products/authentiq/revocation.service.js";
import { createIdentityHandler } from "./products/hanko/identity.handler.js";
import { createHankoSessionResolver } from "./products/hanko/session-credentials.js";
import { createIdentityService } from "./products/hanko/identity.service.js";
import { createKeyService, type KeyService } from "./core/keys/key.service.js";
import { createSigningKeyStore, signingKeysChannel } from "./store/keys/key.store.js";
import { resolveMasterKey } from "./core/keys/master-key.js";
import { createSecretBox, type SecretBox } from "./core/keys/secret-box.js";
import type { Logger } from "./log.js";
import { createIssuer } from "./products/authentiq/issuer.js";
import { createPushLoginService } from "./products/authentiq/push-login.service.js";
import { createScopeHandler } from "./products/authentiq/scope.handler.js";
import { createScopeJobService } from "./products/authentiq/scope-job.service.js";
import { createOneTimeTokens } from "./core/session/one-time-token.js";
import { createPasswordService } from "./products/hanko/password.service.js";
import { createPasswordCheck } from "./core/password/password-check.js";
import { createSessionHandler } from "./products/hanko/session.handler.js";
import { createTokenExchange } from "./products/hanko/token-exchange.service.js";
import { createSessionTokens } from "./core/session/session-token.service.js";
import { createSessionService } from "./products/hanko/session.service.js";
import { createPasscodeService } from "./products/hanko/passcode.service.js";
import { createServiceTokenResolver } from "./products/jincor/service-token-credentials.js";
import { createVerificationService } from "./products/jincor/verification.service.js";
import { createJincorMethods } from "./products/jincor/jincor.handler.js";
import { createPasscodeHandler } from "./products/hanko/passcode.handler.js";
import { authenticatorService } from "./services/authenticator-service.js";
import { identityService } from "./services/identity-service.js";
import { scopeService } from "./services/scope-service.js";
import { sessionService } from "./services/session-service.js";
import { verifyService } from "./services/verify-service.js";
import { webauthnService } from "./services/webauthn-service.js";
import { createWebauthnHandler } from "./products/hanko/webauthn.handler.js";
import { createWebauthnCeremony, type RelyingPartyConfig } from "./core/webauthn/ceremony.js";
import type { WebauthnPolicy } from "./core/webauthn/webauthn-policy.js";
import { createHankoWebauthnService } from "./products/hanko/webauthn.service.js";
import { hankoClientLimits, hankoSessionPolicy, hankoWebauthnPolicy } from "./products/hanko/policy.js";
import { jincorClientLimits } from "./products/jincor/policy.js";
import { authentiqClientLimits } from "./products/authentiq/policy.js";
import { createClientLimitGate } from "./transport/client-limit-gate.js";
import { authfiWebauthnPolicy } from "./products/authfi/policy.js";
import { authenticatorClientLimits, authenticatorWebauthnPolicy } from "./products/authenticator/policy.js";
import { createChallengeStore as createWebauthnChallengeStore } from "./store/webauthn/challenge.store.js";
import { createCredentialStore } from "./store/webauthn/credential.store.js";
import { openDatabase, type Database, type DatabaseTimeouts } from "./store/database.js";
import { prepareDataDir } from "./store/data-dir.js";
import { ensurePortFree } from "./transport/port-probe.js";
import { createOneTimeTokenStore } from "./store/session/one-time-token.store.js";
import { createSessionStore } from "./store/session/session.store.js";
import { createAccessTokenStore } from "./store/authenticator/access-token.store.js";
import { createAuthenticatorStore } from "./store/authenticator/authenticator.store.js";
import { transactionsOf } from "./store/transaction.js";
import { defaultTenantId, type Schema } from "./store/schema.js";
import { pingDatabase } from "./store/health.js";
import { assertMigrationsCurrent, migrateToLatest } from "./store/migrator.js";
import { createOutbox, createOutboxQueue, outboxBacklog } from "./store/outbox/outbox.store.js";
import { createObservability } from "./observe/observability.js";
import { startTracing } from "./observe/tracing/tracing.js";
import { createHealthMonitor } from "./admin/health-monitor.js";
import { healthService } from "./admin/health.service.js";
import { createAdminServer } from "./admin/admin-server.js";
import { createAdminApi } from "./admin/admin-api.js";
import { createWorkerMetrics, type WorkerMetrics } from "./cluster/cluster-metrics.js";
import { createAdminTransferHandler } from "./admin/admin-transfer.handler.js";
import { createTransferStore } from "./store/transfer/import.store.js";
import { decoyChannel } from "./store/transfer/decoy-channel.js";
import type { Listener } from "./transport/listener.js";
import { createRetentionWorker, type RetentionWorker } from "./store/retention.js";
import { createAccountLinker } from "./federation/account-link.service.js";
import { createLoginStates } from "./federation/login-state.js";
import { createIdentityLinkStore } from "./store/federation/identity.store.js";
import { createLoginStateStore } from "./store/federation/login-state.store.js";
import { createSamlReplayStore } from "./store/federation/saml-request.store.js";
import { loginStateTtlSeconds, loginTokenTtlSeconds } from "./federation/login-redirect.js";
import { createOAuthProvider } from "./federation/oauth/oauth-provider.js";
import { createThirdPartyHandler } from "./products/hanko/thirdparty.handler.js";
import { createThirdPartyService } from "./federation/oauth/oauth-login.service.js";
import { createIdpMetadataSource } from "./federation/saml/idp-metadata.js";
import { createSamlHandler } from "./products/hanko/saml.handler.js";
import { createSamlService } from "./federation/saml/saml.service.js";
import { productDialects, productNames } from "./products/dialects.js";
import { loadOpenApiDocuments } from "./transport/openapi-document.js";
import { CredentialScheme } from "../gen/es/tessera/rest/v1/rest_pb.js";
import { createServer } from "./transport/server.js";
import { loadDemoSite } from "./transport/demo-site.js";
import type { ServiceRegistration } from "./transport/services.js";
import { createAccessPointStore } from "./store/authfi/tenant.store.js";
import { createAuthfiUserStore } from "./store/authfi/authfi-user.store.js";
import { createScopeJobStore } from "./store/authentiq/scope-job.store.js";
import { createIdentityStore } from "./store/identity/identity.store.js";
import { createConsumerTotpStore } from "./store/jincor/totp-secret.store.js";
import { createPasswordHashStore, createPasswordStore } from "./store/password/password.store.js";
import { createAuditLog } from "./core/audit/audit.service.js";
import { currentClient } from "./core/client/client-scope.js";
import { auditChannel, createAuditReader, createAuditStore } from "./store/audit/audit.store.js";
import type { Kysely } from "kysely";
import type { RunInTransaction } from "./core/transaction.port.js";
import type { AuditStore } from "./core/audit/audit.port.js";
import { createAuditWatch, type AuditWatchSettings } from "./admin/audit-watch.js";
import { createAdminAuditHandler } from "./admin/admin-audit.handler.js";
import { auditedAdminActions } from "./admin/audited-admin-actions.js";
import { createWebhookStore } from "./store/audit/webhook.store.js";
import { createWebhookSender } from "./delivery/webhook-send.js";
import { createUserLockStore } from "./store/identity/user-lock.store.js";

/** How long a shutdown waits for the last spans to be exported. */
const traceFlushMs = 5_000;

/** A running Tessera. */
export interface App {
  readonly port: number;
  readonly url: string;
  /** The management port (health, metrics, grpc.health.v1). */
  readonly adminPort: number;
  readonly adminUrl: string;
  readonly database: Database;
  readonly keys: KeyService;
  readonly secrets: SecretBox;
  readonly outbox: OutboxWorker;
  /**
   * Stops serving, lets requests in flight finish for `graceMs` (default: SHUTDOWN_GRACE_SECONDS),
   * hands the outbox claims back and closes the database. Resolves with how many requests were cut.
   */
  close(graceMs?: number): Promise<{ cut: number }>;
}

/** What tests and tools may add to a start. */
export interface StartOptions {
  logger: Logger;
  /** Extra services (the test harness's EchoService). */
  extraServices?: (deps: { secrets: SecretBox }) => ServiceRegistration[];
  /** A migrated PGlite dump to start from instead of an empty database. */
  pgliteTemplate?: Blob;
  /** Address to bind; all interfaces when unset. */
  host?: string;
  /** Outbox timing (tests shorten backoffs, leases and message lifetimes). */
  outbox?: Partial<OutboxSettings>;
  /** WatchAuditEvents timing (tests lengthen the poll to see that a NOTIFY wakes a stream). */
  auditWatch?: Partial<AuditWatchSettings>;
  /** Where audit events are written; the audit table when unset. The bench alone passes one (to price the write): not a setting. */
  auditStore?: (db: Kysely<Schema>) => AuditStore<Kysely<Schema>>;
  /** Database time limits (tests shorten them); `startMs` defaults to DATABASE_CONNECT_TIMEOUT. */
  databaseTimeouts?: Partial<DatabaseTimeouts>;
  /** Where challenges and limits read the time (tests move it); the system's clock when unset. */
  clock?: Clock;
  /**
   * The request log and request metrics (default on). Only the bench turns them off, to measure
   * what they cost; an operator cannot.
   */
  observe?: boolean;
  /**
   * Whether to check PORT and ADMIN_PORT are free before any work (default true). A cluster worker does not:
   * its primary checked, and the port it shares with the other workers is in use by design.
   */
  checkPort?: boolean;
  /**
   * Write messages of channels without a target (codes included) to the log. Default: only on
   * the embedded PGlite (no DATABASE_URL). The test harness turns it on to read codes on
   * PostgreSQL too; an operator cannot.
   */
  logMessageBodies?: boolean;
  /** Idle time before an HTTP/2 session without streams is closed, on both ports (tests shorten it). */
  idleTimeoutMs?: number;
  /**
   * A node:cluster worker's: `GET /metrics` answers the whole cluster's metrics, aggregated by
   * the primary, as the management port it shares with the other workers may hand a scrape to any.
   */
  clusterMetrics?: boolean;
}

/** Composition root: config → database → services → one listener. */
export async function startApp(config: Config, options: StartOptions): Promise<App> {
  const { logger } = options;
  // What an operator can get wrong is checked before any key or database work.
  const adminHost = config.adminHost ?? options.host;
  if (options.checkPort !== false) {
    if (config.port !== 0) await ensurePortFree(config.port, options.host);
    if (config.adminPort !== 0) await ensurePortFree(config.adminPort, adminHost);
  }
  if (config.databaseUrl === undefined || config.secretKey === undefined) prepareDataDir(config.dataDir);
  // A build without gen/openapi/ fails here, before any key or database work.
  const openApi = loadOpenApiDocuments(productNames);
  const secrets = createSecretBox(resolveMasterKey(config, logger));
  const observability = createObservability(logger, options.observe ?? true);
  const tracing = config.traces === undefined ? undefined : await startTracing(config.traces);
  const database = await openDatabase({
    queryObserver: tracing?.queries,
    onQueryError: observability.queryFailed,
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgliteTemplate: options.pgliteTemplate,
    logger,
    timeouts: { startMs: config.databaseConnectTimeout * 1000, ...options.databaseTimeouts },
  });
  let outbox: OutboxWorker | undefined;
  let retentionWorker: RetentionWorker | undefined;
  let admin: Listener | undefined;
  let workerMetrics: WorkerMetrics | undefined;
  const monitor = createHealthMonitor({
    checks: {
      database: () => pingDatabase(database.db, 1_000),
      migrations: () => assertMigrationsCurrent(database.db),
      keys: async () => {
        await keys.signingKey("RS256");
        await keys.signingKey("EdDSA");
      },
    },
  });
  // Assigned once the keys are ensured; the monitor checks nothing before the admin port listens.
  let keys!: KeyService;
  try {
    await migrateToLatest(database.db);
    const { db } = database;
    keys = createKeyService({ store: createSigningKeyStore(db, defaultTenantId), secrets, logger, clock: options.clock });
    await keys.ensureKeys();
    const webhooks = createWebhookStore(db, defaultTenantId, secrets);
    const senders = createSenders({ ...config, logBodies: options.logMessageBodies ?? config.databaseUrl === undefined }, logger, createWebhookSender({ directory: webhooks, logger }));
    const worker = createOutboxWorker({ queue: createOutboxQueue(db), send: senders.send, logger, settings: options.outbox, metrics: observability.outbox, trace: tracing?.deliveries });
    observability.watchDatabase({ connections: database.connections, outboxBacklog: () => outboxBacklog(db) });
    outbox = worker;
    worker.start();
    const unlisten = await database.listen("tessera_outbox", worker.nudge);
    // Keys rotated or retired by another replica or the CLI: publish and sign with them at once.
    const unlistenKeys = await database.listen(signingKeysChannel, keys.reload);
    // Audit events written by any replica wake this one's WatchAuditEvents streams (they poll too).
    const auditReader = createAuditReader(db);
    const auditWatch = createAuditWatch(auditReader, { clock: options.clock ?? systemClock, ...options.auditWatch });
    const unlistenAudit = await database.listen(auditChannel, auditWatch.wake);
    const retention = createRetentionWorker({ db, logger, auditRetentionDays: config.auditRetentionDays });
    retentionWorker = retention;
    retention.start();

    const rp: RelyingPartyConfig = { id: config.rpId, name: config.rpName, origins: config.origins };
    const clock = options.clock ?? systemClock;
    const audit = createAuditLog({ store: options.auditStore?.(db) ?? createAuditStore(db), clock, tenantId: defaultTenantId, client: currentClient });
    // Services that count in milliseconds read the same clock.
    const now = () => clock.now().getTime();
    const locks = createUserLockStore(db);
    const webauthnCeremony = (policy: WebauthnPolicy) => createWebauthnCeremony({
        policy,
        rp,
        challenges: createWebauthnChallengeStore(db),
        credentials: createCredentialStore(db),
        clock,
        locks,
        audit,
        transaction: transactionsOf(db) as RunInTransaction<unknown>,
        credentialsIn: (tx) => createCredentialStore(tx as Kysely<Schema>),
      });
    const accessPoints = createAccessPointService({ store: createAccessPointStore(db), secrets });
    if (config.authfiAccessPoint !== undefined && config.authfiApiKey !== undefined) {
      const revoked = await accessPoints.ensure(config.authfiAccessPoint, config.authfiApiKey);
      if (revoked > 0) logger.warn("AUTHFI_API_KEY changed: revoked the access point's other API keys", { accessPoint: config.authfiAccessPoint, revoked });
    }
    const authfiCeremony = webauthnCeremony(authfiWebauthnPolicy);
    const transaction = transactionsOf(db);
    const authfiUsers = createAuthfiUserStore(db);
    const authfiManagement = createAuthfiManagementService({ users: authfiUsers, transaction, ceremony: authfiCeremony, audit });

    const tenantId = defaultTenantId;
    const tokens = createSessionTokens({ store: createSessionStore(db, tenantId), keys, lifetime: config.sessionLifetime, clock, policy: hankoSessionPolicy, locks, audit, product: "hanko" });
    const authTokenHeader = config.hanko.authTokenHeader;
    const nudgeOutbox = worker.nudge;
    const authentiqKeys = createAuthentiqKeyService({ store: createAuthentiqKeyStore(db, tenantId), secrets, audit });
    const authentiqIssuer = config.origins[0] ?? `http://localhost:${config.port}`;
    const issuer = createIssuer({ keys, secrets, issuer: authentiqIssuer, now });
    const accessTokens = createAccessTokens({ store: createAccessTokenStore(db, tenantId), transaction: transactionsOf(db), keys, lifetime: config.sessionLifetime, clock, locks, audit });
    const limits = createLimiter({ store: createLimitStore(db), tenantId, secrets, clock, audit });
    const challenges = createChallenges({ store: createChallengeStore(db, tenantId), secrets, clock, locks, audit });
    const identities = createIdentityStore(db, tenantId);
    const outboxOfTenant = createOutbox(db, tenantId);
    const linker = createAccountLinker({ store: createIdentityLinkStore(db, tenantId), allowSignup: config.hanko.allowSignup, audit });
    const loginStates = createLoginStates(createLoginStateStore(db, tenantId), secrets);
    const loginTokens = createOneTimeTokens({ store: createOneTimeTokenStore(db, tenantId), secrets, clock });
    const issueLoginToken = (userId: string) => loginTokens.issue(userId, loginTokenTtlSeconds);
    const thirdParty = createThirdPartyService({
      loginStates,
      config: config.thirdParty,
      providers: new Map(config.thirdParty.providers.map((provider) => [provider.name, createOAuthProvider(provider, config.thirdParty.callbackUrl)])),
      linker,
      issueToken: issueLoginToken,
      logger,
    });
    const saml =
      config.saml === undefined
        ? undefined
        : createSamlService({
            loginStates,
            replays: createSamlReplayStore(db, tenantId, loginStateTtlSeconds),
            config: config.saml,
            idpMetadata: createIdpMetadataSource(config.saml.providers),
            linker,
            issueToken: issueLoginToken,
            logger,
          });
    const authenticatorCeremony = webauthnCeremony(authenticatorWebauthnPolicy);
    const authenticatorStore = createAuthenticatorStore(db, tenantId);
    const passwordCheck = createPasswordCheck({ store: createPasswordHashStore(db, tenantId), secrets, logger });
    // An import by the command line elsewhere added hash schemes: the decoys take them in.
    const unlistenDecoys = await database.listen(decoyChannel, () => passwordCheck.refreshDecoys());
    const services = [
      sessionService({
        session: createSessionHandler({
          session: createSessionService({ pingDatabase: () => pingDatabase(db), keys, hanko: config.hanko }),
          tokens,
          passwords: createPasswordService({ identities, passwords: createPasswordStore(db, tenantId), passwordCheck, hanko: config.hanko, limits, audit }),
          tokenExchange: createTokenExchange({ consume: (value) => loginTokens.consume(value), tokens, audit }),
          authTokenHeader,
        }),
        thirdParty: createThirdPartyHandler(thirdParty),
        saml: createSamlHandler(saml),
      }),
      identityService({
        hanko: createIdentityHandler(createIdentityService({ identities, hanko: config.hanko, audit })),
        authentiq: createAuthentiqKeyHandler(authentiqKeys, createRevocationService({ keys: createKeyRevocationStore(db, tenantId), secrets, challenges, limits, nudgeOutbox, audit })),
        authfi: createAuthfiIdentityHandler({ management: authfiManagement }),
      }),
      scopeService({
        authentiq: createScopeHandler({
          jobs: createScopeJobService({ jobs: createScopeJobStore(db, tenantId), outbox: outboxOfTenant, transaction, secrets, keys: authentiqKeys, issuer, limits, nudgeOutbox, clock }),
          pushLogin: createPushLoginService({ outbox: outboxOfTenant, keys: authentiqKeys, nudgeOutbox, now }),
          issuer,
        }),
      }),
      verifyService({
        jincor: createJincorMethods({ verifications: createVerificationService({ tenantId, secrets, challenges, totpSecrets: createConsumerTotpStore(tenantId), nudgeOutbox, clock, audit }) }),
        passcode: createPasscodeHandler({ passcodes: createPasscodeService({ identities, challenges, limits, nudgeOutbox, audit }), tokens, authTokenHeader }),
      }),
      webauthnService({
        hanko: createWebauthnHandler({ webauthn: createHankoWebauthnService({ identities, tenantId, ceremony: webauthnCeremony(hankoWebauthnPolicy) }), tokens, authTokenHeader }),
        authfi: createAuthfiWebauthnHandler({ ceremonies: createAuthfiCeremonyService({ users: authfiUsers, transaction, rp, ceremony: authfiCeremony, audit }), management: authfiManagement }),
      }),
      authenticatorService({
        authenticator: createAuthenticatorHandler({
          signup: createSignupService({ store: authenticatorStore, identities, tokens: accessTokens, challenges, limits, nudgeOutbox, clock, audit }),
          login: createLoginService({ store: authenticatorStore, identities, tenantId, tokens: accessTokens, secrets, ceremony: authenticatorCeremony, limits, passwordCheck, challenges, nudgeOutbox, clock, audit }),
          devices: createDeviceService({ store: authenticatorStore, identities, transaction, tenantId, ceremony: authenticatorCeremony }),
          tokens: accessTokens,
          settings: createUserSettingsService({ store: authenticatorStore, identities, transaction, tenantId, secrets, issuer: config.rpName, ceremony: authenticatorCeremony, limits, passwordCheck, clock, audit }),
        }),
      }),
      ...(options.extraServices?.({ secrets }) ?? []),
    ];
    const health = healthService(
      monitor,
      services.map((registration) => registration.service.typeName),
    );
    const adminActions = auditedAdminActions(audit);
    const adminApi = createAdminApi({
      db,
      adminApiKey: config.adminApiKey,
      logger,
      clock,
      keys,
      secrets,
      authentiqIssuer,
      actions: adminActions,
      extraParts: [createAdminAuditHandler({ reader: auditReader, watch: auditWatch, webhooks, actions: adminActions }), createAdminTransferHandler({ store: createTransferStore(db), secrets, logger, audit, onImported: () => passwordCheck.refreshDecoys() })],
    });
    const { registry } = observability.metrics;
    const metrics = options.clusterMetrics === true ? createWorkerMetrics(registry) : { contentType: registry.contentType, collect: () => registry.metrics(), stop: () => undefined };
    workerMetrics = metrics;
    admin = createAdminServer({ metrics, monitor, health, adminApi, observers: observability.observers, openApi, logger, idleTimeoutMs: options.idleTimeoutMs });
    const adminPort = await admin.listen(config.adminPort, adminHost);
    const listener = createServer({
      services,
      rpcOnlyServices: [health],
      idleTimeoutMs: options.idleTimeoutMs,
      observers: tracing === undefined ? observability.observers : [...observability.observers, tracing.requests],
      logger,
      corsOrigins: config.corsOrigins,
      ownOrigins: config.origins,
      trustedProxies: config.trustedProxies,
      clientLimits: createClientLimitGate(
        [...hankoClientLimits, ...authenticatorClientLimits, ...jincorClientLimits, ...authentiqClientLimits].map((limit) =>
          config.clientRateLimit === undefined ? limit : { ...limit, policy: { ...limit.policy, max: config.clientRateLimit } },
        ),
        limits,
      ),
      secureCookies: config.origins.some((origin) => origin.startsWith("https:")),
      dialects: productDialects,
      site: config.demo === "off" ? undefined : loadDemoSite(config.demo === "asked" ? "on" : "default", logger),
      credentials: {
        [CredentialScheme.HANKO_SESSION]: createHankoSessionResolver(tokens),
        [CredentialScheme.AUTHENTICATOR_TOKEN]: createAuthenticatorTokenResolver(accessTokens),
        [CredentialScheme.AUTHFI_API_KEY]: createAuthfiApiKeyResolver(accessPoints),
        [CredentialScheme.JINCOR_SERVICE_TOKEN]: createServiceTokenResolver(config.verifyJwtSecret),
      },
    });
    const port = await listener.listen(config.port, options.host);
    const publicUrl = `http://${options.host ?? "localhost"}:${port}`;
    logger.info("tessera listening", {
      port,
      adminPort,
      database: database.engine,
      url: publicUrl,
      ...(config.demo === "off" ? {} : { demo: `${config.origins[0] ?? publicUrl}/demo/` }),
      try: `curl ${publicUrl}/.well-known/jwks.json; curl ${urlOf(adminHost ?? "localhost", adminPort)}/health/ready`,
    });
    const openAdmin = admin;
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      adminPort,
      adminUrl: urlOf(adminHost === undefined || adminHost === "0.0.0.0" || adminHost === "::" ? "127.0.0.1" : adminHost, adminPort),
      database,
      keys,
      secrets,
      outbox: worker,
      async close(graceMs = config.shutdownGraceSeconds * 1000) {
        // Health watches end first, or they would hold the drain open for the whole grace period.
        monitor.stop();
        const [{ cut }] = await Promise.all([listener.close(graceMs), openAdmin.close(Math.min(graceMs, 1_000))]);
        metrics.stop();
        await unlisten();
        await unlistenKeys();
        await unlistenAudit();
        await unlistenDecoys();
        await retention.stop();
        await worker.stop();
        await database.close();
        await tracing?.shutdown(traceFlushMs);
        return { cut };
      },
    };
  } catch (error) {
    monitor.stop();
    workerMetrics?.stop();
    await admin?.close(0);
    await retentionWorker?.stop();
    await outbox?.stop();
    await database.close();
    await tracing?.shutdown(traceFlushMs);
    throw error;
  }
}

/** `http://host:port`, an IPv6 address in brackets. */
function urlOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
