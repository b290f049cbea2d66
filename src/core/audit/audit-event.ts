/** The products an event can come through; `admin` for the operator's API, `shared` for a mechanic no product owns. */
export type AuditProduct = "hanko" | "jincor" | "authentiq" | "authenticator" | "authfi" | "admin" | "shared";

/** Every kind of security-relevant act, as a closed union that webhook subscriptions name. */
export const auditEventTypes = [
  "user.signed_up",
  "user.created",
  "user.deleted",
  "user.locked",
  "user.unlocked",
  "login.succeeded",
  "login.failed",
  "code.sent",
  "code.verified",
  "code.failed",
  "credential.registered",
  "credential.removed",
  "password.set",
  "password.changed",
  "factor_settings.changed",
  "session.issued",
  "session.revoked",
  "token.revoked",
  "rate_limit.tripped",
  "admin.action",
  "users.imported",
  "users.exported",
] as const;

/** One kind of act. */
export type AuditEventType = (typeof auditEventTypes)[number];

/** Whether the act went through. */
export type AuditOutcome = "success" | "failure";

/** The caller's address and agent, when the transport knows them. */
export interface AuditClient {
  ip?: string;
  userAgent?: string;
}

/**
 * What a mechanic or product records. `details` is free-form but must never carry a secret
 * (code, password, token, key): name what was done (a factor, a purpose, a credential id), not
 * what proved it.
 */
export interface AuditEventInput {
  type: AuditEventType;
  outcome: AuditOutcome;
  product: AuditProduct;
  /** The user it concerns, when known (never guessed from an unknown contact). */
  userId?: string | null;
  /** A stable reason (a refusal's SCREAMING_SNAKE reason, or why it succeeded). */
  reason?: string;
  /** The tenant, when not the log's own (an AuthFi access point). */
  tenantId?: string;
  /** The admin key's id, for admin actions. */
  actor?: string;
  /** The caller's address and agent; the log's client source when unset. */
  client?: AuditClient;
  details?: Record<string, string | number | boolean | null>;
}

/** An event as stored and listed. */
export interface AuditEvent {
  id: string;
  /** Its place in the log: larger is later; cursors and watches read it. */
  sequence: bigint;
  occurredAt: Date;
  tenantId: string;
  type: AuditEventType;
  outcome: AuditOutcome;
  product: AuditProduct;
  userId: string | null;
  reason: string;
  clientIp: string | null;
  userAgent: string | null;
  actor: string | null;
  details: Record<string, unknown>;
}

/** Whether `value` names an event type. */
export function isAuditEventType(value: string): value is AuditEventType {
  return (auditEventTypes as readonly string[]).includes(value);
}
