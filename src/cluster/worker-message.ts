/** What a worker tells the primary over the cluster's IPC channel. */
export type WorkerMessage =
  /** The worker's startApp finished: it serves on `port` (the one port every worker shares). */
  { type: "tessera:ready"; port: number };

/** Whether `value` is a WorkerMessage (the channel also carries Node's own cluster messages). */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "tessera:ready" && typeof (value as { port?: unknown }).port === "number";
}
