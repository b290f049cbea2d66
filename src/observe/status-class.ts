import type { RequestRecord } from "./request-record.js";

/** RPC codes that are the server's fault or the moment's, as a 5xx is. */
const serverCodes = new Set(["internal", "unknown", "unavailable", "data_loss", "deadline_exceeded", "unimplemented"]);

/**
 * The status class of an answer, the same over every transport: `2xx`, `3xx`, `4xx` or `5xx`
 * (an RPC's code counts as the HTTP status REST would have answered: `ok` 2xx, a fault 5xx,
 * any other refusal 4xx), or `none` when the connection closed before an answer.
 */
export function statusClass(record: RequestRecord): string {
  if (record.rpcCode !== undefined) return record.rpcCode === "ok" ? "2xx" : serverCodes.has(record.rpcCode) ? "5xx" : "4xx";
  if (record.httpStatus < 100) return "none";
  return httpClasses[Math.min(Math.floor(record.httpStatus / 100), 5)]!;
}

/** By the status's first digit: one string each, not one per request. */
const httpClasses = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** success, refused (the client's 4xx) or error (5xx, or no answer). */
export function outcome(record: RequestRecord): "success" | "refused" | "error" {
  const status = statusClass(record);
  return status === "2xx" || status === "3xx" ? "success" : status === "4xx" ? "refused" : "error";
}
