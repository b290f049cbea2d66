import pg from "pg";
import type { Logger } from "../log.js";

/** Backoff of LISTEN reconnections: from `firstRetryMs`, doubling, at most `maxRetryMs`. */
const firstRetryMs = 250;
const maxRetryMs = 10_000;

/**
 * A dedicated connection that LISTENs on `channel`, reconnecting with backoff for as long as it
 * is not stopped. `onNotify` runs on every notification and after every reconnection, since
 * notifications sent while the connection was down are lost.
 */
export async function listenPostgres(url: string, channel: string, onNotify: () => void, logger: Logger, connectionTimeoutMs: number): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = firstRetryMs;

  const scheduleReconnect = () => {
    if (stopped || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, maxRetryMs);
  };

  const connect = async (): Promise<boolean> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectionTimeoutMs, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      if (client === next) client = undefined;
      void next.end().catch(() => undefined);
      if (stopped) return;
      logger.warn("LISTEN connection failed; reconnecting", { channel, error: error.message, retryInMs: delay });
      scheduleReconnect();
    };
    next.on("notification", () => onNotify());
    next.on("error", fail);
    next.on("end", () => fail(new Error("connection ended")));
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return false;
    }
    client = next;
    delay = firstRetryMs;
    onNotify();
    return true;
  };

  if (!(await connect())) logger.warn("LISTEN not established yet; delivery falls back to polling until it is", { channel });
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => undefined);
  };
}
