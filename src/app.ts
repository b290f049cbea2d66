import type { Config } from "./config/config.js";
import { createOutboxWorker, type OutboxWorker } from "./delivery/outbox-worker.js";
import { createSenders } from "./delivery/senders.js";
import { AuthenticatorService } from "../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { IdentityService } from "../gen/es/tessera/identity/v1/identity_pb.js";
import { ScopeService } from "../gen/es/tessera/scope/v1/scope_pb.js";
import { SessionService } from "../gen/es/tessera/session/v1/session_pb.js";
import { VerifyService } from "../gen/es/tessera/verify/v1/verify_pb.js";
import { WebAuthnService } from "../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { createAccessTokens } from "./products/authenticator/access-token.service.js";
import { createLimiter } from "./core/limit/limit.service.js";
import { createChallenges } from "./core/challenge/challenge.service.js";
import { systemClock, type Clock } from "./core/clock.js";
import { createLimitStore } from "./store/limit/limit.store.js";
import { createChallengeStore } from "./store/challenge/challenge.store.js";
import { createAuthenticatorHandler } from "./products/authenticator/authenticator.handler.js";
import { createDeviceService } from "./products/authenticator/device.service.js";
import { createLoginService } from "./products/authenticator/login.service.js";
import { createSignupService } from "./products/authenticator/signup.service.js";
import { createUserSettingsService } from "./products/authenticator/user-settings.service.js";
import { createAuthentiqKeyHandler } from "./products/authentiq/key.handler.js";
import { createAuthfiIdentityHandler } from "./products/authfi/authfi-identity.handler.js";
import { createAuthfiWebauthnHandler } from "./products/authfi/authfi-webauthn.handler.js";
import { createAuthfiCeremonyService } from "./products/authfi/ceremony.service.js";
import { createAuthfiManagementService } from "./products/authfi/management.service.js";
import { createAccessPointService } from "./products/authfi/tenant.service.js";
import { createAuthentiqKeyService } from "./products/authentiq/key.service.js";
import { createAuthentiqKeyStore } from "./store/authentiq/key.store.js";
import { createRevocationService } from "./products/authentiq/revocation.service.js";
import { createIdentityHandler } from "./products/hanko/identity.handler.js";
import { createIdentityService } from "./products/hanko/identity.service.js";
import { createKeyService, type KeyService } from "./core/keys/key.service.js";
import { createSigningKeyStore } from "./store/keys/key.store.js";
import { resolveMasterKey } from "./core/keys/master-key.js";
import { createSecretBox, type SecretBox } from "./core/keys/secret-box.js";
import type { Logger } from "./log.js";
import { createIssuer } from "./products/authentiq/issuer.js";
import { createPushLoginService } from "./products/authentiq/push-login.service.js";
import { createScopeHandler } from "./products/authentiq/scope.handler.js";
import { createScopeJobService } from "./products/authentiq/scope-job.service.js";
import { consumeOneTimeToken, issueOneTimeToken } from "./core/session/one-time-token.js";
import { createPasswordService } from "./products/hanko/password.service.js";
import { createSessionHandler } from "./products/hanko/session.handler.js";
import { createSessionTokens } from "./core/session/session-token.service.js";
import { createSessionService } from "./products/hanko/session.service.js";
import { createPasscodeService } from "./products/hanko/passcode.service.js";
import { createServiceAuth } from "./products/jincor/service-auth.js";
import { createVerificationService } from "./products/jincor/verification.service.js";
import { createVerifyHandler } from "./services/verify.handler.js";
import { createWebauthnHandler } from "./products/hanko/webauthn.handler.js";
import { createWebauthnService } from "./core/webauthn/webauthn.service.js";
import { openDatabase, type Database } from "./store/database.js";
import { defaultTenantId } from "./store/schema.js";
import { pingDatabase } from "./store/health.js";
import { migrateToLatest } from "./store/migrator.js";
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
import { productDialects } from "./products/dialects.js";
import { createServer } from "./transport/server.js";
import { registerService, type ServiceRegistration } from "./transport/services.js";
import { createAccessPointStore } from "./store/authfi/tenant.store.js";

/** A running Tessera. */
export interface App {
  readonly port: number;
  readonly url: string;
  readonly database: Database;
  readonly keys: KeyService;
  readonly secrets: SecretBox;
  readonly outbox: OutboxWorker;
  /** Stops serving, drains requests, stops the outbox and closes the database. */
  close(): Promise<void>;
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
  /** Where challenges and limits read the time (tests move it); the system's clock when unset. */
  clock?: Clock;
}

/** Composition root: config → database → services → one listener. */
export async function startApp(config: Config, options: StartOptions): Promise<App> {
  const { logger } = options;
  const secrets = createSecretBox(resolveMasterKey(config, logger));
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, pgliteTemplate: options.pgliteTemplate, logger });
  let outbox: OutboxWorker | undefined;
  let retentionWorker: RetentionWorker | undefined;
  try {
    await migrateToLatest(database.db);
    const { db } = database;
    const keys = createKeyService({ store: createSigningKeyStore(db, defaultTenantId), secrets, logger });
    await keys.ensureKeys();
    const senders = createSenders(config, logger);
    const worker = createOutboxWorker({ db, send: senders.send, logger });
    outbox = worker;
    worker.start();
    const unlisten = await database.listen("tessera_outbox", worker.nudge);
    const retention = createRetentionWorker({ db, logger });
    retentionWorker = retention;
    retention.start();

    const rp = { id: config.rpId, name: config.rpName, origins: config.origins };
    const accessPoints = createAccessPointService({ store: createAccessPointStore(db), secrets });
    if (config.authfiAccessPoint !== undefined && config.authfiApiKey !== undefined) {
      const revoked = await accessPoints.ensure(config.authfiAccessPoint, config.authfiApiKey);
      if (revoked > 0) logger.warn("AUTHFI_API_KEY changed: revoked the access point's other API keys", { accessPoint: config.authfiAccessPoint, revoked });
    }
    const authfiManagement = createAuthfiManagementService({ db });

    const tenantId = defaultTenantId;
    const tokens = createSessionTokens({ db, keys, tenantId, lifetime: config.sessionLifetime });
    const authTokenHeader = config.hanko.authTokenHeader;
    const nudgeOutbox = worker.nudge;
    const authentiqKeys = createAuthentiqKeyService({ store: createAuthentiqKeyStore(db, tenantId), secrets });
    const issuer = createIssuer({ keys, secrets, issuer: config.origins[0] ?? `http://localhost:${config.port}` });
    const webauthn = createWebauthnService({ db, tenantId, rp });
    const accessTokens = createAccessTokens({ db, keys, secrets, tenantId, lifetime: config.sessionLifetime });
    const clock = options.clock ?? systemClock;
    const limits = createLimiter({ store: createLimitStore(db), tenantId, secrets, clock });
    const challenges = createChallenges({ store: createChallengeStore(db, tenantId), secrets, clock });
    const linker = createAccountLinker({ store: createIdentityLinkStore(db, tenantId), allowSignup: config.hanko.allowSignup });
    const loginStates = createLoginStates(createLoginStateStore(db, tenantId), secrets);
    const issueLoginToken = (userId: string) => issueOneTimeToken(db, secrets, tenantId, userId, loginTokenTtlSeconds);
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
    const services = [
      registerService(SessionService, {
        ...createSessionHandler({
          session: createSessionService({ pingDatabase: () => pingDatabase(db), keys, hanko: config.hanko }),
          tokens,
          passwords: createPasswordService({ db, tenantId, hanko: config.hanko, limits }),
          consumeOneTimeToken: (value) => consumeOneTimeToken(db, secrets, tenantId, value),
          authTokenHeader,
        }),
        ...createThirdPartyHandler(thirdParty),
        ...createSamlHandler(saml),
      }),
      registerService(IdentityService, {
        ...createIdentityHandler(createIdentityService({ db, hanko: config.hanko }), tokens),
        ...createAuthentiqKeyHandler(authentiqKeys, createRevocationService({ db, secrets, tenantId, challenges, limits, nudgeOutbox })),
        ...createAuthfiIdentityHandler({ accessPoints, management: authfiManagement }),
      }),
      registerService(
        ScopeService,
        createScopeHandler({
          jobs: createScopeJobService({ db, secrets, tenantId, keys: authentiqKeys, issuer, limits, nudgeOutbox }),
          pushLogin: createPushLoginService({ db, tenantId, keys: authentiqKeys, nudgeOutbox }),
          issuer,
        }),
      ),
      registerService(
        VerifyService,
        createVerifyHandler({
          passcodes: createPasscodeService({ db, tenantId, challenges, limits, nudgeOutbox: worker.nudge }),
          tokens,
          authTokenHeader,
          verifications: createVerificationService({ db, tenantId, secrets, challenges, nudgeOutbox: worker.nudge, now: () => clock.now().getTime() }),
          serviceAuth: createServiceAuth(config.verifyJwtSecret),
        }),
      ),
      registerService(WebAuthnService, {
        ...createWebauthnHandler({ webauthn, tokens, authTokenHeader }),
        ...createAuthfiWebauthnHandler({ accessPoints, ceremonies: createAuthfiCeremonyService({ db, rp }), management: authfiManagement }),
      }),
      registerService(
        AuthenticatorService,
        createAuthenticatorHandler({
          signup: createSignupService({ db, tenantId, tokens: accessTokens, challenges, limits, nudgeOutbox }),
          login: createLoginService({ db, tenantId, tokens: accessTokens, secrets, webauthn, limits, challenges, nudgeOutbox }),
          devices: createDeviceService({ db, tenantId, tokens: accessTokens, webauthn }),
          tokens: accessTokens,
          settings: createUserSettingsService({ db, tenantId, tokens: accessTokens, secrets, issuer: config.rpName }),
        }),
      ),
      ...(options.extraServices?.({ secrets }) ?? []),
    ];
    const listener = createServer({
      services,
      logger,
      corsOrigins: config.corsOrigins,
      secureCookies: config.origins.some((origin) => origin.startsWith("https:")),
      dialects: productDialects,
    });
    const port = await listener.listen(config.port, options.host);
    logger.info("tessera listening", { port, database: database.engine });
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      database,
      keys,
      secrets,
      outbox: worker,
      async close() {
        await listener.close();
        await unlisten();
        await retention.stop();
        await worker.stop();
        senders.close();
        await database.close();
      },
    };
  } catch (error) {
    await retentionWorker?.stop();
    await outbox?.stop();
    await database.close();
    throw error;
  }
}
