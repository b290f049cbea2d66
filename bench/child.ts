import http from "node:http";
import type { AddressInfo } from "node:net";
import type { BenchSession, ChildMessage, ParentMessage, ScriptResult, StartPayload } from "./protocol.js";

/** A server a child process runs for the benchmark. */
export interface ChildServer {
  port: number;
  /** Tessera only: the management port (AdminService). */
  adminPort?: number;
  /** Tessera only: its database engine and a session for GET /me, reported to the parent. */
  engine?: "pglite" | "postgres";
  session?: BenchSession;
  /** Tessera only: sessions of the users for the WebAuthn login section. */
  loginSessions?: BenchSession[];
  /** A script child (port 0): runs its own loop on the parent's `run` message. */
  run?(options: { concurrency: number; warmupMs: number; durationMs: number }): Promise<ScriptResult>;
  /** Tessera only: write audit events (on) or drop them (off); the bench alone turns it off. */
  setAudit?(on: boolean): void;
  close(): Promise<void>;
}

/**
 * Runs in a forked child: waits for the parent's `start` message, starts the server, reports
 * its port, answers CPU queries, and stops on SIGTERM/SIGINT or when the parent goes away
 * (the IPC channel closes), so a crashed parent leaves no server behind.
 */
export function runChild<K extends StartPayload["kind"]>(kind: K, start: (payload: Extract<StartPayload, { kind: K }>) => Promise<ChildServer>): void {
  const send = process.send?.bind(process);
  if (send === undefined) {
    process.stderr.write("bench: this file is a child of bench/run.js; run `npm run bench`\n");
    process.exit(2);
  }
  const reply = (message: ChildMessage) => {
    if (process.connected) send(message);
  };
  let server: ChildServer | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Bounded: exit even if close() hangs on a connection.
    setTimeout(() => process.exit(1), 3_000).unref();
    (server?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("disconnect", stop);
  process.on("message", (message: ParentMessage) => {
    if (message.type === "cpu") {
      const usage = process.cpuUsage();
      reply({ type: "cpu", id: message.id, micros: usage.user + usage.system });
    } else if (message.type === "audit") {
      server?.setAudit?.(message.on);
      reply({ type: "audited", id: message.id });
    } else if (message.type === "run") {
      const { id, concurrency, warmupMs, durationMs } = message;
      const run = server?.run;
      (run === undefined ? Promise.reject(new Error(`"${kind}" does not run a loop`)) : run.call(server, { concurrency, warmupMs, durationMs })).then(
        (result) => reply({ type: "ran", id, result }),
        (error: unknown) => reply({ type: "ran", id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
    } else if (message.type === "start" && server === undefined && !stopping) {
      const payload = message.payload;
      const starting =
        payload.kind === kind
          ? start(payload as Extract<StartPayload, { kind: K }>)
          : Promise.reject(new Error(`this child serves "${kind}", asked to start "${payload.kind}"`));
      starting.then(
        (started) => {
          server = started;
          if (stopping) void started.close();
          else {
            const { port, adminPort, engine, session, loginSessions } = started;
            reply({
              type: "listening",
              port,
              ...(adminPort === undefined ? {} : { adminPort }),
              ...(engine === undefined ? {} : { engine }),
              ...(session === undefined ? {} : { session }),
              ...(loginSessions === undefined ? {} : { loginSessions }),
            });
          }
        },
        (error: unknown) => {
          reply({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          process.exit(1);
        },
      );
    }
  });
}

/**
 * A plain node:http server on 127.0.0.1 and a free port, for the baselines, with the same
 * HTTP/1.1 keep-alive timeout as Tessera's listener (src/transport/listener.ts).
 */
export async function listenPlainHttp(handler: http.RequestListener): Promise<ChildServer> {
  const server = http.createServer({ keepAliveTimeout: 5_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
