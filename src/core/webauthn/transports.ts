/** A transport WebAuthn level 3 names (§5.8.4), or `cable`, the older name of `hybrid`. */
export type WebauthnTransport = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";

/** Every WebauthnTransport. */
const known: ReadonlySet<string> = new Set<WebauthnTransport>(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
/** More than WebAuthn has: a longer list is not a browser's. */
const maxTransports = known.size;

/**
 * The transports a client reported that WebAuthn knows, each once and at most seven: what is
 * stored with a credential and echoed in later options, so arbitrary client strings never are.
 */
export function knownTransports(values: readonly string[] | undefined): WebauthnTransport[] {
  const kept = new Set<WebauthnTransport>();
  for (const value of values ?? []) {
    if (known.has(value)) kept.add(value as WebauthnTransport);
    if (kept.size === maxTransports) break;
  }
  return [...kept];
}
