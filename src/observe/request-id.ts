import { randomUUID } from "node:crypto";

/**
 * What an accepted `X-Request-Id` may hold: a UUID, a trace id, a load balancer's token. None of
 * these characters needs escaping in JSON (the request log writes the id as it is).
 */
const sane = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/**
 * The request id: the client's (or its proxy's) `X-Request-Id` when it is one value of at most
 * 128 safe characters, so that logs across hops join up; else a new UUID, so that nothing a client
 * chose (a header full of JSON, a line break) reaches the log.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === "string" && sane.test(header) ? header : randomUUID();
}
