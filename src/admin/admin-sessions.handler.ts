import type { Clock } from "../core/clock.js";
import { DomainError } from "../core/errors/domain-error.js";
import { isUuid } from "../core/errors/uuid.js";
import type { AdminActions } from "./admin-action.port.js";
import { principalOf, userIdOf, userNotFound } from "./admin-context.js";
import { credentialMessage, parseTypedId, sessionMessage } from "./admin-mapping.js";
import type { AdminHandlers } from "./admin-service.js";
import type { CredentialType, SessionType, UserDirectory } from "./user-directory.port.js";

const sessionTypes: readonly SessionType[] = ["hanko_session", "hanko_one_time_token", "authenticator_token"];
const credentialTypes: readonly CredentialType[] = ["webauthn", "totp"];

/** What the session and credential RPCs need. */
export interface AdminSessionsDeps {
  directory: UserDirectory;
  actions: AdminActions;
  clock: Clock;
}

/**
 * AdminService's session and credential RPCs: ListUserSessions, RevokeSession,
 * RevokeUserSessions, ListCredentials, DeleteCredential.
 */
export function createAdminSessionsHandler(deps: AdminSessionsDeps): AdminHandlers {
  const { directory, actions, clock } = deps;
  const existing = async (userId: string) => {
    if ((await directory.findUser(userId)) === undefined) throw userNotFound();
  };
  return {
    async listUserSessions(request) {
      const userId = userIdOf(request.userId);
      await existing(userId);
      return { sessions: (await directory.liveSessions(userId, clock.now())).map(sessionMessage) };
    },
    async revokeSession(request, context) {
      const userId = userIdOf(request.userId);
      const session = parseTypedId(request.sessionId, sessionTypes);
      const actor = principalOf(context).keyId;
      const record = (tx: unknown) => actions.record(tx, { type: "session.revoked", userId, actor, details: { session_id: request.sessionId } });
      if (session === undefined || !isUuid(session.id) || !(await directory.revokeSession(userId, session.type, session.id, clock.now(), record))) {
        throw new DomainError("SESSION_NOT_FOUND", "not_found", "no such live session of this user");
      }
      return {};
    },
    async revokeUserSessions(request, context) {
      const userId = userIdOf(request.userId);
      await existing(userId);
      const actor = principalOf(context).keyId;
      const revoked = await directory.revokeAllSessions(userId, clock.now(), (tx, count) => actions.record(tx, { type: "sessions.revoked", userId, actor, details: { revoked: String(count) } }));
      return { revoked };
    },
    async listCredentials(request) {
      const userId = userIdOf(request.userId);
      await existing(userId);
      return { credentials: (await directory.credentials(userId)).map(credentialMessage) };
    },
    async deleteCredential(request, context) {
      const userId = userIdOf(request.userId);
      const credential = parseTypedId(request.credentialId, credentialTypes);
      const actor = principalOf(context).keyId;
      const record = (tx: unknown) => actions.record(tx, { type: "credential.deleted", userId, actor, details: { credential_id: request.credentialId } });
      if (credential === undefined || !isUuid(credential.id) || !(await directory.deleteCredential(userId, credential.type, credential.id, record))) {
        throw new DomainError("CREDENTIAL_NOT_FOUND", "not_found", "no such credential of this user");
      }
      return {};
    },
  };
}
