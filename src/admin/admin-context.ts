import type { HandlerContext } from "@connectrpc/connect";
import { DomainError } from "../core/errors/domain-error.js";
import { requireUuid } from "../core/errors/uuid.js";
import { adminPrincipal, type AdminPrincipal } from "./admin-key.js";

/** The admin principal the credential gate left for the call; a call without one never gets this far. */
export function principalOf(context: HandlerContext): AdminPrincipal {
  const principal = context.values.get(adminPrincipal);
  if (principal === undefined) throw new DomainError("ADMIN_KEY_INVALID", "unauthenticated", "a valid admin key is required");
  return principal;
}

/** The user id of a request, checked: INVALID_UUID (invalid) otherwise. */
export function userIdOf(value: string): string {
  return requireUuid(value, "user_id");
}

/** NOT_FOUND for a user the directory does not have. */
export function userNotFound(): DomainError {
  return new DomainError("USER_NOT_FOUND", "not_found", "no such user");
}
