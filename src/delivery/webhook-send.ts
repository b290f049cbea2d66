import { Webhook } from "standardwebhooks";
import type { Logger } from "../log.js";
import { DeliveryOutcomeUnknown } from "./delivery-outcome-unknown.js";
import type { PendingMessage } from "./outbox.port.js";
import type { WebhookDirectory } from "./webhook.port.js";

/** Signed webhook bodies are JSON. */
const contentType = "application/json";

/**
 * Sends one audit event to one endpoint, signed per Standard Webhooks
 * (https://www.standardwebhooks.com/: `webhook-id` the delivery's id, one per event and endpoint and
 * the same on every retry so a receiver can drop duplicates; `webhook-timestamp` in seconds; `webhook-signature` v1 HMAC-SHA256)
 * and logs the attempt. Any 2xx is delivered; anything else throws and the outbox retries with
 * backoff. An endpoint deleted or disabled since the event was queued gets nothing.
 */
export function createWebhookSender(deps: { directory: WebhookDirectory; logger: Logger; timeoutMs?: number; now?: () => Date }) {
  const { directory, logger } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const now = deps.now ?? (() => new Date());
  return async (message: PendingMessage, signal: AbortSignal): Promise<void> => {
    const target = await directory.findTarget(message.recipient);
    const eventId = message.subject;
    if (target === undefined || !target.enabled) {
      logger.info("webhook event dropped: its endpoint was deleted or disabled", { webhookId: message.recipient, eventId });
      return;
    }
    // The delivery's id (its outbox message's): one per event and endpoint, the same on every retry.
    const deliveryId = message.id;
    const timestamp = now();
    const headers = {
      "content-type": contentType,
      "webhook-id": deliveryId,
      "webhook-timestamp": Math.floor(timestamp.getTime() / 1000).toString(),
      "webhook-signature": new Webhook(target.secret).sign(deliveryId, timestamp, message.body),
    };
    const log = (statusCode: number | null, error: string | null) =>
      directory
        .logAttempt({ deliveryId, statusCode, error, delivered: error === null })
        .catch((failure: unknown) => logger.warn("logging a webhook attempt failed", { error: failure instanceof Error ? failure.message : String(failure) }));
    let response: Response;
    try {
      response = await fetch(target.url, { method: "POST", headers, body: message.body, redirect: "manual", signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await log(null, reason);
      if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) throw new DeliveryOutcomeUnknown(`webhook did not answer: ${reason}`, { cause: error });
      throw error;
    }
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) {
      await log(response.status, `answered ${response.status}`);
      throw new Error(`webhook answered ${response.status}`);
    }
    await log(response.status, null);
  };
}
