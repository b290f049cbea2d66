import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Clock } from "../core/clock.js";
import { DomainError } from "../core/errors/domain-error.js";
import type { AdminActions } from "./admin-action.port.js";
import { principalOf, userIdOf, userNotFound } from "./admin-context.js";
import { credentialMessage, sessionMessage, userMessage } from "./admin-mapping.js";
import type { AdminHandlers } from "./admin-service.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "./page-token.js";
import type { UserDirectory } from "./user-directory.port.js";

/** The longest lock reason an operator may note. */
const maxReasonLength = 500;

/** What the user RPCs need. */
export interface AdminUsersDeps {
  directory: UserDirectory;
  actions: AdminActions;
  clock: Clock;
  /** The product names ListUsers may filter by. */
  products: readonly string[];
}

/** AdminService's user RPCs: ListUsers, GetUser, DeleteUser, LockUser, UnlockUser. */
export function createAdminUsersHandler(deps: AdminUsersDeps): AdminHandlers {
  const { directory, actions } = deps;
  const existing = async (userId: string) => {
    const user = await directory.findUser(userId);
    if (user === undefined) throw userNotFound();
    return user;
  };
  return {
    async listUsers(request) {
      const limit = pageSizeOf(request.pageSize);
      const after = decodePageToken(request.pageToken);
      const createdAfter = request.createdAfter === undefined ? undefined : timestampDate(request.createdAfter);
      const createdBefore = request.createdBefore === undefined ? undefined : timestampDate(request.createdBefore);
      if (createdAfter !== undefined && createdBefore !== undefined && createdAfter >= createdBefore) throw new DomainError("INVALID_FIELD", "invalid", "created_after must be before created_before");
      if (request.product !== "" && !deps.products.includes(request.product)) throw new DomainError("INVALID_FIELD", "invalid", `product must be one of ${deps.products.join(", ")}`);
      // One more than the page: whether there is a next page is known without a count.
      const users = await directory.listUsers({
        limit: limit + 1,
        after,
        email: request.email === "" ? undefined : request.email,
        phone: request.phone === "" ? undefined : request.phone,
        product: request.product === "" ? undefined : request.product,
        createdAfter,
        createdBefore,
      });
      const page = users.slice(0, limit);
      const last = page.at(-1);
      return { users: page.map(userMessage), nextPageToken: users.length > limit && last !== undefined ? encodePageToken(last.position) : "" };
    },
    async getUser(request) {
      const userId = userIdOf(request.userId);
      const user = await existing(userId);
      const [contacts, credentials, factors, sessions] = [await directory.contacts(userId), await directory.credentials(userId), await directory.factors(userId), await directory.liveSessions(userId, deps.clock.now())];
      return { user: userMessage(user), contacts, credentials: credentials.map(credentialMessage), factors, sessions: sessions.map(sessionMessage) };
    },
    async deleteUser(request, context) {
      const userId = userIdOf(request.userId);
      const actor = principalOf(context).keyId;
      if (!(await directory.deleteUser(userId, (tx) => actions.record(tx, { type: "user.deleted", userId, actor, details: {} })))) throw userNotFound();
      return {};
    },
    async lockUser(request, context) {
      const userId = userIdOf(request.userId);
      if (request.reason.length > maxReasonLength) throw new DomainError("INVALID_FIELD", "invalid", `reason must be at most ${maxReasonLength} characters`);
      const actor = principalOf(context).keyId;
      const details: Record<string, string> = request.reason === "" ? {} : { reason: request.reason };
      if (!(await directory.lock(userId, request.reason, (tx) => actions.record(tx, { type: "user.locked", userId, actor, details })))) throw userNotFound();
      return { user: userMessage(await existing(userId)) };
    },
    async unlockUser(request, context) {
      const userId = userIdOf(request.userId);
      const actor = principalOf(context).keyId;
      if (!(await directory.unlock(userId, (tx) => actions.record(tx, { type: "user.unlocked", userId, actor, details: {} })))) throw userNotFound();
      return { user: userMessage(await existing(userId)) };
    },
  };
}
