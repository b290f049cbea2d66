import type { HankoConfig } from "../../config/config.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { KeyService, PublicJwk } from "../../core/keys/key.service.js";

const statusPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Tessera</title></head>
<body><h1>Tessera</h1><p>The API is running.</p></body>
</html>
`;

/** Hanko's public configuration, as `GET /.well-known/config` publishes it. */
export interface PublicConfig {
  emails: { requireVerification: boolean };
  password: { enabled: boolean; minPasswordLength: number };
  account: { allowDeletion: boolean; allowSignup: boolean };
}

/** Status, discovery and (with their family) sessions. */
export interface SessionService {
  /** The status page; throws DATABASE_UNAVAILABLE when the database does not answer. */
  status(): Promise<string>;
  /** The public RS256 keys that verify session tokens. */
  /** The same frozen array until the keys change. */
  sessionKeys(): Promise<readonly PublicJwk[]>;
  /** The public configuration. */
  publicConfig(): PublicConfig;
}

/** Creates the session service. */
/** `pingDatabase` resolves when the database answers, and rejects when it does not. */
export function createSessionService(deps: { pingDatabase: () => Promise<void>; keys: KeyService; hanko: HankoConfig }): SessionService {
  const config: PublicConfig = {
    emails: { requireVerification: deps.hanko.requireEmailVerification },
    password: { enabled: deps.hanko.passwordsEnabled, minPasswordLength: deps.hanko.passwordMinLength },
    account: { allowDeletion: deps.hanko.allowDeletion, allowSignup: deps.hanko.allowSignup },
  };
  return {
    async status() {
      try {
        await deps.pingDatabase();
      } catch (error) {
        throw new DomainError("DATABASE_UNAVAILABLE", "unavailable", "the database is unreachable", { cause: error });
      }
      return statusPage;
    },
    sessionKeys: () => deps.keys.publicKeys("RS256"),
    publicConfig: () => config,
  };
}
