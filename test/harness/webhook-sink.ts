import http from "node:http";
import type { AddressInfo } from "node:net";

/** A received webhook call. */
export interface SinkCall {
  path: string;
  body: { to: string; body: string };
  receivedAt: number;
}

/** An HTTP server on 127.0.0.1 that keeps the JSON POSTed to it. */
export interface WebhookSink {
  url: string;
  calls: SinkCall[];
  /** Answers the next `count` calls with `status` instead of 200 (to test retries). */
  failNext(count: number, status?: number): void;
  /** Resolves with the first call to `to` received (kept or from now on). */
  waitFor(to: string, timeoutMs?: number): Promise<SinkCall>;
  close(): Promise<void>;
}

/** Starts the sink on a free port. */
export async function startWebhookSink(): Promise<WebhookSink> {
  const calls: SinkCall[] = [];
  const waiters: Array<{ to: string; resolve: (call: SinkCall) => void }> = [];
  let failures = 0;
  let failStatus = 500;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (failures > 0) {
        failures--;
        response.writeHead(failStatus).end();
        return;
      }
      const call: SinkCall = { path: request.url ?? "/", body: JSON.parse(Buffer.concat(chunks).toString("utf8")), receivedAt: Date.now() };
      calls.push(call);
      for (const waiter of [...waiters]) {
        if (waiter.to === call.body.to) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(call);
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNext(count, status = 500) {
      failures = count;
      failStatus = status;
    },
    waitFor(to, timeoutMs = 5_000) {
      const kept = calls.find((call) => call.body.to === to);
      if (kept) return Promise.resolve(kept);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no webhook call to ${to} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ to, resolve: (call) => (clearTimeout(timer), resolve(call)) });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
