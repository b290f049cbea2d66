import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DomainError } from "../core/errors/domain-error.js";
import type { UserLocks } from "../core/identity/user-lock.js";
import type { AdminHandlers } from "./admin-service.js";
import type { Introspector } from "./token-introspectors.js";

/** What IntrospectToken needs. */
export interface AdminTokensDeps {
  /** Every kind of token Tessera issues, tried in order; the first that knows the token answers. */
  introspectors: readonly Introspector[];
  locks: UserLocks;
}

/** The most a token may be: well over any JWT Tessera signs, far under the body limit. */
const maxTokenLength = 8192;

/**
 * IntrospectToken: the token is offered to each kind of token in turn (Hanko sessions,
 * Authenticator API tokens, Authentiq signed claims, Authentiq keys, Hanko one-time tokens).
 * Anything none of them knows as live (garbage, forged, expired, revoked, used, a Jincor service
 * token, which the caller's services sign) is `active: false` and nothing more, never an error;
 * a locked user's token is `active: false, state: "locked"`.
 */
export function createAdminTokensHandler(deps: AdminTokensDeps): AdminHandlers {
  const inactive = { active: false };
  return {
    async introspectToken(request) {
      const token = request.token.trim();
      if (token === "") throw new DomainError("INVALID_FIELD", "invalid", "token is required");
      if (token.length > maxTokenLength) return inactive;
      for (const introspect of deps.introspectors) {
        const found = await introspect(token);
        if (found === undefined) continue;
        if (found === "dead") return inactive;
        const { live } = found;
        const described = { subject: live.subject, product: live.product, tokenType: live.tokenType, expiresAt: live.expiresAt === undefined ? undefined : timestampFromDate(live.expiresAt) };
        const locked = live.locked ?? (live.userId !== undefined && (await deps.locks.isLocked(live.userId)));
        if (locked) return { ...described, active: false, state: "locked" };
        return { ...described, active: true, state: live.state };
      }
      return inactive;
    },
  };
}
