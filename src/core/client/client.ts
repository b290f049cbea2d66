import { createContextKey } from "@connectrpc/connect";

/**
 * Who sent a request, as the transport saw it: the client's IP address (the socket's peer, or
 * the address the trusted proxies forwarded) and its User-Agent. Per-client limits key on `ip`;
 * audit events record both. Neither is a credential: both are what the client says or where it
 * connects from.
 */
export interface Client {
  /** The client's IP address (IPv4 in dotted form, IPv6 as Node spells it); empty when unknown. */
  readonly ip: string;
  /** The `User-Agent` header, cut to 512 characters; empty when absent. */
  readonly userAgent: string;
}

/** The client of a call no transport named (a call made in process, a unit test). */
export const unknownClient: Client = Object.freeze({ ip: "", userAgent: "" });

/** Where the transport leaves the call's Client for handlers, REST and RPC alike. */
export const clientKey = createContextKey<Client>(unknownClient, { description: "tessera client" });
