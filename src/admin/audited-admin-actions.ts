import type { AuditEventType } from "../core/audit/audit-event.js";
import type { AuditLog } from "../core/audit/audit.service.js";
import type { AdminActions } from "./admin-action.port.js";

/** The audit type of each act the admin handlers report; anything else is an `admin.action`. */
const typeOf: Record<string, AuditEventType> = {
  "user.deleted": "user.deleted",
  "user.locked": "user.locked",
  "user.unlocked": "user.unlocked",
  "session.revoked": "session.revoked",
  "sessions.revoked": "session.revoked",
  "credential.deleted": "credential.removed",
};

/** The admin handlers' acts as audit events: product `admin`, the admin key's id as the actor. */
export function auditedAdminActions(audit: AuditLog<unknown>): AdminActions {
  return {
    record: (tx, action) =>
      audit.record(tx, {
        type: typeOf[action.type] ?? "admin.action",
        outcome: "success",
        product: "admin",
        userId: action.userId,
        actor: action.actor,
        details: { action: action.type, ...action.details },
      }),
  };
}
