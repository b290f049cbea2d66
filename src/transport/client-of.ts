import type { IncomingHttpHeaders } from "node:http";
import type { Client } from "../core/client/client.js";

/** Builds the Client of a request from its socket's peer address and its headers. */
export type ClientOf = (remoteAddress: string | undefined, headers: IncomingHttpHeaders) => Client;

/** The longest User-Agent kept: a client cannot make every record and log line large. */
const maxUserAgent = 512;

/**
 * The Client of each request. With `trustedProxies` 0 (the default) the address is the socket's
 * peer and `X-Forwarded-For` is ignored, since any client can write it. With n > 0 the server
 * sits behind n proxies that each append the address they received from: the client is the
 * n-th address from the right of `X-Forwarded-For` followed by the peer, so addresses a client
 * wrote to the left of what the proxies appended are never taken.
 */
export function createClientOf(trustedProxies: number): ClientOf {
  return (remoteAddress, headers) => {
    const peer = plainAddress(remoteAddress ?? "");
    const agent = headers["user-agent"];
    const userAgent = agent === undefined ? "" : agent.length > maxUserAgent ? agent.slice(0, maxUserAgent) : agent;
    if (trustedProxies === 0) return { ip: peer, userAgent };
    return { ip: forwardedAddress(headers["x-forwarded-for"], peer, trustedProxies), userAgent };
  };
}

/** The address `hops` proxies back: hop 0 is the peer, hop 1 the last X-Forwarded-For entry, … */
function forwardedAddress(header: string | string[] | undefined, peer: string, hops: number): string {
  if (header === undefined) return peer;
  const entries = (Array.isArray(header) ? header.join(",") : header).split(",");
  const at = entries.length - hops;
  // Fewer entries than proxies: the first proxy was reached directly, its entry is the client.
  const entry = entries[Math.max(at, 0)]!.trim();
  return entry === "" ? peer : plainAddress(entry);
}

/** An IPv4 address a dual-stack socket reports as `::ffff:a.b.c.d`, in its dotted form. */
function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
