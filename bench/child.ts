import type { ChildMessage, ParentMessage } from "./protocol.js";

/** A server a child process runs for the benchmark. */
export interface ChildServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Runs in a forked child: waits for the parent's `start` message, starts the server, reports
 * its port, answers CPU queries, and stops on SIGTERM/SIGINT or when the parent goes away
 * (the IPC channel closes), so a crashed parent leaves no server behind.
 */
export function runChild(start: (message: Extract<ParentMessage, { type: "start" }>) => Promise<ChildServer>): void {
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
    } else if (message.type === "start" && server === undefined && !stopping) {
      start(message).then(
        (started) => {
          server = started;
          if (stopping) void started.close();
          else reply({ type: "listening", port: started.port });
        },
        (error: unknown) => {
          reply({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          process.exit(1);
        },
      );
    }
  });
}
