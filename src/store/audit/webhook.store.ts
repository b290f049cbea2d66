import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Selectable } from "kysely";
import type { AuditEventType } from "../../core/audit/audit-event.js";
import type { WebhookEndpoint, WebhookStore } from "../../core/audit/webhook.port.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { WebhookDirectory } from "../../delivery/webhook.port.js";
import type { Schema, WebhookTable } from "../schema.js";

/** The sealing context of an endpoint's secret: a sealed secret moved to another row does not open. */
const sealContext = (id: string) => `webhook-secret:${id}`;

/** The webhook endpoints of `tenantId` and their delivery log. */
export function createWebhookStore(db: Kysely<Schema>, tenantId: string, secrets: SecretBox): WebhookStore & WebhookDirectory {
  const seal = (id: string, secret: string) => Buffer.from(secrets.encrypt(Buffer.from(secret, "utf8"), sealContext(id)));
  return {
    async create(endpoint, then) {
      const id = randomUUID();
      return db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto("webhooks")
          .values({ id, tenant_id: tenantId, url: endpoint.url, event_types: JSON.stringify(endpoint.eventTypes), enabled: endpoint.enabled, secret_sealed: seal(id, endpoint.secret), updated_at: sql<Date>`now()` })
          .returningAll()
          .executeTakeFirstOrThrow();
        await then(tx, id);
        return toEndpoint(row);
      });
    },
    async list() {
      return (await db.selectFrom("webhooks").selectAll().where("tenant_id", "=", tenantId).orderBy("created_at").orderBy("id").execute()).map(toEndpoint);
    },
    async find(id) {
      const row = await db.selectFrom("webhooks").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toEndpoint(row);
    },
    async update(id, changes, then) {
      return db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable("webhooks")
          .set({
            updated_at: sql<Date>`now()`,
            ...(changes.url === undefined ? {} : { url: changes.url }),
            ...(changes.eventTypes === undefined ? {} : { event_types: JSON.stringify(changes.eventTypes) }),
            ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
            ...(changes.secret === undefined ? {} : { secret_sealed: seal(id, changes.secret) }),
          })
          .where("tenant_id", "=", tenantId)
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) return undefined;
        await then(tx, id);
        return toEndpoint(row);
      });
    },
    async delete(id, then) {
      return db.transaction().execute(async (tx) => {
        const deleted = await tx.deleteFrom("webhooks").where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
        if (deleted.numDeletedRows === 0n) return false;
        await tx.deleteFrom("outbox").where("channel", "=", "webhook").where("recipient", "=", id).where("sent_at", "is", null).execute();
        await then(tx, id);
        return true;
      });
    },
    async deliveries(webhookId, limit, before) {
      let query = db
        .selectFrom("webhook_deliveries")
        .innerJoin("webhooks", "webhooks.id", "webhook_deliveries.webhook_id")
        .leftJoin("outbox", (join) => join.onRef(sql`outbox.id`, "=", "webhook_deliveries.id"))
        .selectAll("webhook_deliveries")
        // Undelivered with its message given up on, or already purged after giving up: failed.
        .select(sql<boolean>`outbox.failed_at is not null or outbox.id is null`.as("given_up"))
        .where("webhooks.tenant_id", "=", tenantId)
        .where("webhook_deliveries.webhook_id", "=", webhookId);
      if (before !== undefined) query = query.where(sql<boolean>`webhook_deliveries.sequence < ${before.toString()}::bigint`);
      const rows = await query.orderBy("webhook_deliveries.sequence", "desc").limit(limit).execute();
      return rows.map((row) => ({
        id: row.id,
        sequence: BigInt(row.sequence),
        webhookId: row.webhook_id,
        eventId: row.event_id,
        status: row.delivered_at !== null ? "delivered" : row.given_up ? "failed" : "pending",
        attempts: row.attempts,
        lastStatusCode: row.last_status_code,
        lastError: row.last_error,
        createdAt: row.created_at,
        deliveredAt: row.delivered_at,
      }));
    },
    async findTarget(id) {
      // The sender runs for every tenant's messages: the endpoint's own row says whose it is.
      const row = await db.selectFrom("webhooks").select(["id", "url", "enabled", "secret_sealed"]).where("id", "=", id).executeTakeFirst();
      if (row === undefined) return undefined;
      return { url: row.url, enabled: row.enabled, secret: secrets.decrypt(row.secret_sealed, sealContext(row.id)).toString("utf8") };
    },
    async logAttempt(attempt) {
      await db
        .updateTable("webhook_deliveries")
        .set({
          attempts: sql<number>`attempts + 1`,
          last_status_code: attempt.statusCode,
          last_error: attempt.error?.slice(0, 500) ?? null,
          last_attempt_at: sql<Date>`now()`,
          ...(attempt.delivered ? { delivered_at: sql<Date>`now()` } : {}),
        })
        .where("id", "=", attempt.deliveryId)
        .execute();
    },
  };
}

function toEndpoint(row: Selectable<WebhookTable>): WebhookEndpoint {
  return { id: row.id, url: row.url, eventTypes: row.event_types as AuditEventType[], enabled: row.enabled, createdAt: row.created_at, updatedAt: row.updated_at };
}
