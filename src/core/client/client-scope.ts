import { AsyncLocalStorage } from "node:async_hooks";
import type { Client } from "./client.js";

/**
 * The client of the call being served, for code below the handlers (the audit log) that is
 * not handed the call's context. The transport enters it once per call, around the handler.
 */
const scope = new AsyncLocalStorage<Client>();

/** Runs `fn` with `client` as the current call's client. */
export function runWithClient<T>(client: Client, fn: () => T): T {
  return scope.run(client, fn);
}

/** The client of the call being served; undefined outside a call (a worker, a test). */
export function currentClient(): Client | undefined {
  return scope.getStore();
}
