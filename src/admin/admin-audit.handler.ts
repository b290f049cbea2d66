import { randomBytes } from "node:crypto";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { auditEventTypes, isAuditEventType, type AuditEvent, type AuditEventType, type AuditOutcome, type AuditProduct } from "../core/audit/audit-event.js";
import type { AuditFilter, AuditReader } from "../core/audit/audit.port.js";
import type { WebhookDelivery, WebhookEndpoint, WebhookStore } from "../core/audit/webhook.port.js";
import { DomainError } from "../core/errors/domain-error.js";
import { isUuid } from "../core/errors/uuid.js";
import type { AdminActions } from "./admin-action.port.js";
import { principalOf } from "./admin-context.js";
import type { AdminHandlers } from "./admin-service.js";
import type { AuditWatch } from "./audit-watch.js";
import { decodeOpaqueToken, encodeOpaqueToken, pageSizeOf } from "./page-token.js";

/** What the audit and webhook RPCs need. */
export interface AdminAuditDeps {
  reader: AuditReader;
  watch: AuditWatch;
  webhooks: WebhookStore;
  /** Where the webhook changes themselves are recorded, as admin actions, in the change's transaction. */
  actions: AdminActions;
}

const products: readonly AuditProduct[] = ["hanko", "jincor", "authentiq", "authenticator", "authfi", "admin", "shared"];
const outcomes: readonly AuditOutcome[] = ["success", "failure"];

interface FilterMessage {
  userId: string;
  types: string[];
  product: string;
  outcome: string;
  after?: Timestamp;
  before?: Timestamp;
}

/**
 * AdminService's audit and webhook RPCs: ListAuditEvents, WatchAuditEvents, CreateWebhook,
 * ListWebhooks, UpdateWebhook, DeleteWebhook, ListWebhookDeliveries.
 */
export function createAdminAuditHandler(deps: AdminAuditDeps): AdminHandlers {
  const { reader, watch, webhooks, actions } = deps;
  const existing = async (id: string): Promise<WebhookEndpoint> => {
    const endpoint = isUuid(id) ? await webhooks.find(id.toLowerCase()) : undefined;
    if (endpoint === undefined) throw new DomainError("WEBHOOK_NOT_FOUND", "not_found", "no such webhook");
    return endpoint;
  };
  // In the change's transaction: an endpoint that receives every event (or stops receiving them)
  // unrecorded is what an intruder holding the admin key would want.
  const acted =
    (context: HandlerContext, action: string) =>
    (tx: unknown, webhookId: string): Promise<void> =>
      actions.record(tx, { type: action, actor: principalOf(context).keyId, details: { webhook_id: webhookId } });
  return {
    async listAuditEvents(request) {
      const limit = pageSizeOf(request.pageSize);
      const before = decodeSequenceToken(request.pageToken);
      // One more than the page: whether there is a next page is known without a count.
      const events = await reader.list(filterOf(request.filter), limit + 1, before);
      const page = events.slice(0, limit);
      const last = page.at(-1);
      return { events: page.map(eventMessage), nextPageToken: events.length > limit && last !== undefined ? encodeSequenceToken(last.sequence) : "" };
    },

    async *watchAuditEvents(request, context) {
      const filter = filterOf(request.filter);
      let after: bigint;
      if (request.afterEventId === "") after = await reader.latest();
      else {
        const found = isUuid(request.afterEventId) ? await reader.sequenceOf(request.afterEventId.toLowerCase()) : undefined;
        if (found === undefined) throw new DomainError("INVALID_FIELD", "invalid", "after_event_id names no audit event");
        after = found;
      }
      for await (const event of watch.watch(filter, after, context.signal)) yield { event: eventMessage(event) };
    },

    async createWebhook(request, context) {
      const secret = `whsec_${randomBytes(32).toString("base64")}`;
      const endpoint = await webhooks.create({ url: urlOf(request.url), eventTypes: typesOf(request.eventTypes, "event_types"), enabled: request.enabled ?? true, secret }, acted(context, "webhook.created"));
      return { webhook: webhookMessage(endpoint), secret };
    },

    listWebhooks: async () => ({ webhooks: (await webhooks.list()).map(webhookMessage) }),

    async updateWebhook(request, context) {
      const { id } = await existing(request.webhookId);
      const updated = await webhooks.update(id, {
        ...(request.url === undefined ? {} : { url: urlOf(request.url) }),
        ...(request.replaceEventTypes ? { eventTypes: typesOf(request.eventTypes, "event_types") } : {}),
        ...(request.enabled === undefined ? {} : { enabled: request.enabled }),
      }, acted(context, "webhook.updated"));
      if (updated === undefined) throw new DomainError("WEBHOOK_NOT_FOUND", "not_found", "no such webhook");
      return { webhook: webhookMessage(updated) };
    },

    async deleteWebhook(request, context) {
      const { id } = await existing(request.webhookId);
      if (!(await webhooks.delete(id, acted(context, "webhook.deleted")))) throw new DomainError("WEBHOOK_NOT_FOUND", "not_found", "no such webhook");
      return {};
    },

    async listWebhookDeliveries(request) {
      // The request is checked before the webhook is looked up: a malformed one is a 400 whatever it names.
      const limit = pageSizeOf(request.pageSize);
      const after = decodeSequenceToken(request.pageToken);
      const { id } = await existing(request.webhookId);
      const deliveries = await webhooks.deliveries(id, limit + 1, after);
      const page = deliveries.slice(0, limit);
      const last = page.at(-1);
      return { deliveries: page.map(deliveryMessage), nextPageToken: deliveries.length > limit && last !== undefined ? encodeSequenceToken(last.sequence) : "" };
    },
  };
}

/** The filter of a request, checked: INVALID_FIELD for an unknown type, product or outcome, or an empty time range. */
function filterOf(message: FilterMessage | undefined): AuditFilter {
  if (message === undefined) return {};
  if (message.product !== "" && !products.includes(message.product as AuditProduct)) throw invalid(`product must be one of ${products.join(", ")}`);
  if (message.outcome !== "" && !outcomes.includes(message.outcome as AuditOutcome)) throw invalid("outcome must be success or failure");
  const from = message.after === undefined ? undefined : timestampDate(message.after);
  const until = message.before === undefined ? undefined : timestampDate(message.before);
  if (from !== undefined && until !== undefined && from.getTime() >= until.getTime()) throw invalid("the time range is empty: after must be before before");
  return {
    ...(message.userId === "" ? {} : { userId: message.userId }),
    ...(message.types.length === 0 ? {} : { types: typesOf(message.types, "filter.types") }),
    ...(message.product === "" ? {} : { product: message.product as AuditProduct }),
    ...(message.outcome === "" ? {} : { outcome: message.outcome as AuditOutcome }),
    ...(from === undefined ? {} : { from }),
    ...(until === undefined ? {} : { until }),
  };
}

function typesOf(values: readonly string[], field: string): AuditEventType[] {
  for (const value of values) if (!isAuditEventType(value)) throw invalid(`${field}: unknown event type "${value.slice(0, 64)}" (known: ${auditEventTypes.join(", ")})`);
  return [...new Set(values)] as AuditEventType[];
}

function urlOf(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || value.length > 2048) throw invalid("url must be an http or https URL");
  if (url.username !== "" || url.password !== "") throw invalid("url must not carry credentials: each delivery is signed instead");
  return url.toString();
}

function invalid(message: string): DomainError {
  return new DomainError("INVALID_FIELD", "invalid", message);
}

/** The opaque token of the page after the row at `sequence`. */
function encodeSequenceToken(sequence: bigint): string {
  return encodeOpaqueToken(["s", sequence.toString()]);
}

function decodeSequenceToken(token: string): bigint | undefined {
  const parts = decodeOpaqueToken(token, 2, ([kind, sequence]) => kind === "s" && /^[1-9]\d{0,18}$/.test(sequence!));
  return parts === undefined ? undefined : BigInt(parts[1]!);
}

function eventMessage(event: AuditEvent) {
  return {
    id: event.id,
    time: timestampFromDate(event.occurredAt),
    type: event.type,
    userId: event.userId ?? "",
    product: event.product,
    outcome: event.outcome,
    reason: event.reason,
    clientIp: event.clientIp ?? "",
    userAgent: event.userAgent ?? "",
    actor: event.actor ?? "",
    details: Object.fromEntries(Object.entries(event.details).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
  };
}

function webhookMessage(endpoint: WebhookEndpoint) {
  return { id: endpoint.id, url: endpoint.url, eventTypes: endpoint.eventTypes, enabled: endpoint.enabled, created: timestampFromDate(endpoint.createdAt) };
}

function deliveryMessage(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode ?? 0,
    lastError: delivery.lastError ?? "",
    created: timestampFromDate(delivery.createdAt),
    delivered: delivery.deliveredAt === null ? undefined : timestampFromDate(delivery.deliveredAt),
  };
}
