import type { ServiceImpl } from "@connectrpc/connect";
import type { SessionService as SessionServiceDesc } from "../../../gen/es/tessera/session/v1/session_pb.js";
import type { PasswordService } from "./password.service.js";
import { principal } from "../../core/credentials/principal.js";
import { hankoSession, sessionFields } from "./session-credentials.js";
import type { SessionTokens } from "../../core/session/session-token.service.js";
import type { PublicJwk } from "../../core/keys/key.service.js";
import type { SessionService } from "./session.service.js";
import type { ExchangedToken } from "./token-exchange.service.js";

/** What the SessionService RPCs call. */
export interface SessionHandlerDeps {
  session: SessionService;
  tokens: SessionTokens;
  passwords: PasswordService;
  /** Exchanges a one-time token for a session of its user (src/products/hanko/token-exchange.service.ts). */
  tokenExchange: { exchange(value: string): Promise<ExchangedToken> };
  authTokenHeader: boolean;
}

/** Hanko's session RPCs of SessionService (status, keys, config, password, token exchange, logout). */
export type HankoSessionRpcs = Pick<
  ServiceImpl<typeof SessionServiceDesc>,
  "getStatus" | "getJwks" | "getConfig" | "loginWithPassword" | "setPassword" | "exchangeToken" | "logout"
>;

/** Hanko's session RPCs: proto ↔ domain mapping only. */
export function createSessionHandler(deps: SessionHandlerDeps): HankoSessionRpcs {
  const { session, tokens, passwords } = deps;
  const jwksAnswers = new WeakMap<readonly PublicJwk[], { readonly keys: PublicJwk[] }>();
  return {
    async getStatus() {
      return { html: await session.status() };
    },
    // The same frozen answer until the keys change: the RPC paths encode it once (see outputMessage).
    async getJwks() {
      const keys = await session.sessionKeys();
      let answer = jwksAnswers.get(keys);
      if (answer === undefined) jwksAnswers.set(keys, (answer = Object.freeze({ keys: [...keys] })));
      return answer;
    },
    getConfig() {
      return session.publicConfig();
    },
    async loginWithPassword(request) {
      const issued = await passwords.verifyLogin(request.userId, request.password, request.username, (userId, recordLogin) => tokens.issue(userId, recordLogin));
      return sessionFields(issued, deps.authTokenHeader);
    },
    async setPassword(request, context) {
      const { userId } = principal(context, hankoSession);
      const created = await passwords.setPassword(userId, request.userId, request.password);
      return { status: created ? 201 : 200 };
    },
    async exchangeToken(request) {
      const { userId, session: issued } = await deps.tokenExchange.exchange(request.value);
      return { userId, ...sessionFields(issued, deps.authTokenHeader) };
    },
    async logout(_request, context) {
      const { sessionId } = principal(context, hankoSession);
      await tokens.revoke(sessionId);
      return { sessionToken: "" };
    },
  };
}
