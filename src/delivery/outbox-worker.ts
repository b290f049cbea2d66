import { isDatabaseUnavailable } from "../core/errors/database-error.js";
import type { Logger } from "../log.js";
import { defaultMessageTtlSeconds, type Channel, type OutboxQueue, type PendingMessage } from "./outbox.port.js";
import { DeliveryOutcomeUnknown } from "./delivery-outcome-unknown.js";
import type { Sender } from "./senders.js";

/** Sends what the outbox holds: at once when nudged, and on a timer for retries. */
export interface OutboxWorker {
  /** Starts polling. */
  start(): void;
  /** Runs a delivery pass now (call after the transaction that enqueued commits). */
  nudge(): void;
  /** Stops polling, aborts the sends in flight and hands back every claim it still holds. */
  stop(): Promise<void>;
}

/** Timing of the outbox; the defaults are what ships, tests shorten them. */
export interface OutboxSettings {
  /** How often to look for due retries, other replicas' messages and expired ones. */
  pollMs: number;
  /** Seconds before the first retry; doubles per attempt up to `maxDelaySeconds`. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** A claim lasts this long and is renewed while the message is being sent. */
  leaseSeconds: number;
  /** How long a message without an expiry is retried before it is dead-lettered. */
  ttlSeconds: number;
  /** Messages claimed per channel at once. */
  batchSize: number;
  /**
   * Longest the first send of a message may take (the senders have their own, shorter,
   * per-step timeouts); each retry gets twice as long, up to four times this. A slow server
   * is not a dead one: it gets the message on a later try.
   */
  sendTimeoutMs: number;
}

/** The shipped outbox timing. */
export const defaultOutboxSettings: OutboxSettings = {
  pollMs: 1_000,
  baseDelaySeconds: 2,
  maxDelaySeconds: 60,
  leaseSeconds: 8,
  ttlSeconds: defaultMessageTtlSeconds,
  batchSize: 20,
  sendTimeoutMs: 15_000,
};

/** What the worker needs. */
export interface OutboxWorkerOptions {
  queue: OutboxQueue;
  send: Sender;
  logger: Logger;
  settings?: Partial<OutboxSettings>;
  /** Counts sends, retries and dead letters per channel. */
  metrics?: OutboxMetrics;
  /** Makes a span of each send (trace export); unset, sends are not traced. */
  trace?: DeliveryTrace;
}

/** Wraps each send in a span named by its channel, ended with the send's outcome. */
export interface DeliveryTrace {
  send<T extends { outcome: string }>(channel: string, run: () => Promise<T>): Promise<T>;
}

/** What the worker reports to the metrics, per channel. */
export interface OutboxMetrics {
  sent(channel: Channel): void;
  retried(channel: Channel): void;
  deadLettered(channel: Channel): void;
}

const noMetrics: OutboxMetrics = { sent: () => {}, retried: () => {}, deadLettered: () => {} };

/** How long a stopping worker keeps trying to record messages it sent. */
const stopRecordingMs = 5_000;

/** How long an aborted send may take to stop before it is left behind, its outcome unknown. */
const abandonAfterMs = 500;

/** The most a retry multiplies `sendTimeoutMs` by. */
const maxSendTimeoutFactor = 4;

const channels: readonly Channel[] = ["email", "sms", "push", "webhook"];

/**
 * Creates the outbox worker. Each channel is a lane of its own, so a hanging SMTP server holds
 * back no SMS or push. A message is retried with capped backoff until it expires, then
 * dead-lettered; a message sent is recorded as sent however long the database takes to accept
 * that, so a database fault never makes it go out twice.
 */
export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { queue, send, logger } = options;
  const metrics = options.metrics ?? noMetrics;
  const settings = { ...defaultOutboxSettings, ...options.settings };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let stoppedAt: number | undefined;
  /** Aborts every send in flight when the worker stops. */
  let stopping = new AbortController();
  /** Claims this worker holds and has not settled, by id. */
  const held = new Set<string>();
  const lanes = new Map(channels.map((channel) => [channel, { running: undefined as Promise<void> | undefined, again: false }]));
  let sweeping: Promise<void> | undefined;

  /**
   * Until then, lapsed claims of other workers are left alone: after a database outage every
   * lease has lapsed, and the worker that sent a message may not have recorded it yet.
   */
  let takeOverFrom = 0;
  const databaseFailed = () => (takeOverFrom = Date.now() + settings.leaseSeconds * 1000);
  const logFailure = (what: string, error: unknown) => {
    if (isDatabaseUnavailable(error)) databaseFailed();
    const message = error instanceof Error ? error.message : String(error);
    if (isDatabaseUnavailable(error)) logger.warn(`${what}: database unavailable, will retry`, { error: message });
    else logger.error(what, { error });
  };

  /** Retries `markSent` until it lands: the message is out, only our bookkeeping is behind. */
  const recordSent = async (message: PendingMessage): Promise<void> => {
    for (let attempt = 1, delay = 100; ; attempt++, delay = Math.min(delay * 2, 250)) {
      if (stopped && stoppedAt !== undefined && Date.now() - stoppedAt > stopRecordingMs) {
        logger.error("message sent but not recorded before shutdown: it may be sent again", { id: message.id });
        return;
      }
      try {
        await queue.markSent(message.id);
        if (attempt > 1) logger.info("message sent; recorded after retries", { id: message.id, attempts: attempt });
        return;
      } catch (error) {
        databaseFailed();
        if (attempt === 1) logger.warn("message sent; recording it failed, retrying", { id: message.id, error: error instanceof Error ? error.message : String(error) });
        // The lease must outlive this loop, or another worker sends the message again.
        await queue.renewLease([message.id], settings.leaseSeconds).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  /** Backoff before the next attempt of a message tried `attempts` times. */
  const backoffSeconds = (attempts: number) => Math.min(settings.baseDelaySeconds * 2 ** Math.max(attempts - 1, 0), settings.maxDelaySeconds);

  /** One send, aborted at its timeout or when the worker stops. */
  const attempt = async (message: PendingMessage): Promise<Attempt> => {
    const timeoutMs = settings.sendTimeoutMs * Math.min(2 ** Math.max(message.attempts - 1, 0), maxSendTimeoutFactor);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`send timed out after ${timeoutMs} ms`)), timeoutMs);
    const onStop = () => controller.abort(new Error("outbox stopping"));
    stopping.signal.addEventListener("abort", onStop, { once: true });
    try {
      await settleOrAbandon(send(message, controller.signal), controller.signal);
      return { outcome: "sent" };
    } catch (error) {
      const reason = controller.signal.aborted ? errorMessage(controller.signal.reason) : errorMessage(error);
      if (error instanceof DeliveryOutcomeUnknown) return { outcome: "unknown", reason: `${reason} (${error.message})` };
      return { outcome: "failed", reason, stopped: stopping.signal.aborted };
    } finally {
      clearTimeout(timer);
      stopping.signal.removeEventListener("abort", onStop);
    }
  };

  const trace = options.trace;
  const deliverOne = async (message: PendingMessage): Promise<void> => {
    const result = await (trace === undefined ? attempt(message) : trace.send(message.channel, () => attempt(message)));
    if (result.outcome === "sent") {
      metrics.sent(message.channel);
      await recordSent(message);
    }
    else if (result.outcome === "failed" && result.stopped) {
      // Not sent, cut short by stop(): stop() hands the claim back, the attempt not counted.
      return;
    } else {
      // A message that may have arrived waits a full step, even when the worker stops.
      const delay = backoffSeconds(message.attempts);
      metrics.retried(message.channel);
      if (result.outcome === "unknown") logger.warn("message may not have been delivered (no answer after it was sent), will retry", { id: message.id, channel: message.channel, attempts: message.attempts, retryInSeconds: delay, error: result.reason });
      else logger.warn("message not delivered, will retry", { id: message.id, channel: message.channel, attempts: message.attempts, retryInSeconds: delay, error: result.reason });
      // If this fails too, the claim runs out and the message is tried again then.
      await queue.markFailed(message.id, result.reason, delay).catch((failure: unknown) => logFailure("recording a failed delivery failed", failure));
    }
    held.delete(message.id);
  };

  const deliver = async (channel: Channel): Promise<void> => {
    for (;;) {
      if (stopped) return;
      const claimed = await queue.claimDue(channel, settings.batchSize, settings.leaseSeconds, settings.ttlSeconds, Date.now() >= takeOverFrom);
      // A message this worker still holds (its lease ran out while the database was away) is
      // not sent again: the first send is being recorded.
      const batch = claimed.filter((message) => !held.has(message.id));
      for (const message of batch) held.add(message.id);
      const ids = batch.map((message) => message.id);
      const renewal = setInterval(() => {
        const pending = ids.filter((id) => held.has(id));
        void queue.renewLease(pending, settings.leaseSeconds).catch((error: unknown) => logFailure("renewing outbox claims failed", error));
      }, (settings.leaseSeconds * 1000) / 3);
      renewal.unref();
      try {
        await Promise.all(batch.map(deliverOne));
      } finally {
        clearInterval(renewal);
      }
      if (claimed.length < settings.batchSize) return;
    }
  };

  const runLane = (channel: Channel): void => {
    const lane = lanes.get(channel)!;
    if (stopped) return;
    if (lane.running !== undefined) {
      lane.again = true;
      return;
    }
    lane.running = deliver(channel)
      .catch((error: unknown) => logFailure(`outbox ${channel} pass failed`, error))
      .finally(() => {
        lane.running = undefined;
        if (lane.again) {
          lane.again = false;
          runLane(channel);
        }
      });
  };

  const sweep = (): void => {
    if (stopped || sweeping !== undefined) return;
    sweeping = queue.deadLetterExpired(settings.ttlSeconds)
      .then((channels) => {
        for (const channel of channels) metrics.deadLettered(channel);
        const count = channels.length;
        if (count > 0) logger.warn("messages dead-lettered: they expired before they could be delivered (see `tessera outbox list`)", { count });
      })
      .catch((error: unknown) => logFailure("dead-lettering expired messages failed", error))
      .finally(() => (sweeping = undefined));
  };

  const pass = (): void => {
    for (const channel of channels) runLane(channel);
  };

  return {
    start() {
      if (stopped) stopping = new AbortController();
      stopped = false;
      timer ??= setInterval(() => {
        sweep();
        pass();
      }, settings.pollMs);
      timer.unref();
      sweep();
      pass();
    },
    nudge: pass,
    async stop() {
      stopped = true;
      stoppedAt = Date.now();
      stopping.abort();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await Promise.all([...[...lanes.values()].map((lane) => lane.running), sweeping]);
      if (held.size > 0) {
        await queue.releaseClaims([...held]).catch((error: unknown) => logFailure("handing outbox claims back failed", error));
        held.clear();
      }
    },
  };
}

/** How one send went. */
type Attempt = { outcome: "sent" } | { outcome: "unknown"; reason: string } | { outcome: "failed"; reason: string; stopped: boolean };

/**
 * The send's own result; or, when `signal` aborts and the send does not stop within
 * `abandonAfterMs`, `DeliveryOutcomeUnknown`: it may still complete.
 */
function settleOrAbandon(send: Promise<void>, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(new DeliveryOutcomeUnknown("the sender did not stop when aborted")), abandonAfterMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([send, abandoned]).finally(() => {
    clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
