import { timingSafeEqual } from "node:crypto";
import { authenticator } from "otplib";

/** RFC 6238 as Google Authenticator runs it: SHA-1, 6 digits, 30 s steps. */
const stepSeconds = 30;
const digits = 6;
/** Steps of clock drift accepted either side of now. */
const driftSteps = 1;
/** Secret size in bytes (160 bits, RFC 4226 §4's recommendation). */
const secretBytes = 20;

/** A new random TOTP secret, base32 encoded as authenticator apps take it. */
export function newTotpSecret(): string {
  return authenticator.generateSecret(secretBytes);
}

/**
 * The `otpauth://totp/<issuer>:<consumer>?…` URI (Key Uri Format) an authenticator app reads
 * from a QR code.
 */
export function totpUri(issuer: string, consumer: string, secret: string): string {
  // Keep `@` readable in the label, as Jincor's own URIs show it.
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(consumer)}`.replaceAll("%40", "@");
  const query = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${digits}&period=${stepSeconds}`;
  return `otpauth://totp/${label}?${query}`;
}

/**
 * The RFC 6238 time step `code` belongs to at `nowMs` (one step of drift either side), or
 * undefined when it matches none.
 */
export function matchTotpStep(secret: string, code: string, nowMs: number): number | undefined {
  if (!new RegExp(`^\\d{${digits}}$`).test(code)) return undefined;
  const current = Math.floor(nowMs / 1000 / stepSeconds);
  const given = Buffer.from(code);
  let matched: number | undefined;
  // Every candidate is compared, in constant time, whichever matches.
  for (let step = current - driftSteps; step <= current + driftSteps; step++) {
    const expected = Buffer.from(authenticator.clone({ epoch: step * stepSeconds * 1000, step: stepSeconds, digits }).generate(secret));
    if (timingSafeEqual(expected, given) && matched === undefined) matched = step;
  }
  return matched;
}
