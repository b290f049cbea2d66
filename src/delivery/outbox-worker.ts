import type { Kysely } from "kysely";
import type { Logger } from "../log.js";
import type { Schema } from "../store/schema.js";
import { claimDueMessages, markFailed, markSent } from "./outbox.store.js";
import type { Sender } from "./senders.js";

/** Sends what the outbox holds: at once when nudged, and on a timer for retries. */
export interface OutboxWorker {
  /** Starts polling. */
  start(): void;
  /** Runs a delivery pass now (call after the transaction that enqueued commits). */
  nudge(): void;
  /** Stops polling and waits for the pass in flight. */
  stop(): Promise<void>;
}

/** What the worker needs. */
export interface OutboxWorkerOptions {
  db: Kysely<Schema>;
  send: Sender;
  logger: Logger;
  /** How often to look for due retries and other replicas' messages. */
  pollMs?: number;
  /** Attempts before a message is given up. */
  maxAttempts?: number;
  /** Seconds before the first retry; doubles per attempt, at most 300. */
  baseDelaySeconds?: number;
  batchSize?: number;
}

/** Creates the outbox worker. */
export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, send, logger } = options;
  const pollMs = options.pollMs ?? 1_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.baseDelaySeconds ?? 2;
  const batchSize = options.batchSize ?? 20;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const deliver = async (): Promise<void> => {
    for (;;) {
      const batch = await claimDueMessages(db, batchSize, 60);
      await Promise.all(
        batch.map(async (message) => {
          try {
            await send(message);
            await markSent(db, message.id);
          } catch (error) {
            const final = message.attempts >= maxAttempts;
            const delay = Math.min(baseDelay * 2 ** (message.attempts - 1), 300);
            logger.warn(final ? "message given up" : "message not delivered, will retry", {
              id: message.id,
              channel: message.channel,
              attempts: message.attempts,
              error: error instanceof Error ? error.message : String(error),
            });
            await markFailed(db, message.id, error instanceof Error ? error.message : String(error), delay, final);
          }
        }),
      );
      if (batch.length < batchSize || stopped) return;
    }
  };

  const pass = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = deliver()
      .catch((error: unknown) => logger.error("outbox pass failed", { error }))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          pass();
        }
      });
  };

  return {
    start() {
      stopped = false;
      timer ??= setInterval(pass, pollMs);
      timer.unref();
      pass();
    },
    nudge: pass,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
