import { isUuid } from "../errors/uuid.js";

/** The WebAuthn user handle of a user: the 16 bytes of their UUID. */
export function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  if (!isUuid(userId)) throw new Error("user ids are UUIDs");
  return new Uint8Array(Buffer.from(userId.replaceAll("-", ""), "hex"));
}

/** The user id (UUID) of a base64url user handle, or undefined when it is not one. */
export function userIdOfHandle(handle: string): string | undefined {
  const normalized = toBase64url(handle);
  if (!/^[A-Za-z0-9_-]{22}$/.test(normalized)) return undefined;
  const hex = Buffer.from(normalized, "base64url").toString("hex");
  if (hex.length !== 32) return undefined;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return isUuid(id) ? id : undefined;
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Accepts base64 as well as base64url. */
export function toBase64url(value: string): string {
  return value.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** True when `value` is base64url (or base64) of 1 to `maxBytes` bytes. */
export function isBinary(value: string, maxBytes = 1024): boolean {
  const normalized = toBase64url(value);
  return /^[A-Za-z0-9_-]+$/.test(normalized) && normalized.length <= Math.ceil((maxBytes * 4) / 3);
}

/** The parsed clientDataJSON (WebAuthn level 3 §5.8.1), or undefined when it is not readable. */
export function parseClientData(clientDataJson: string): { type: unknown; challenge: unknown; origin: unknown } | undefined {
  if (clientDataJson === "" || clientDataJson.length > 8192) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(toBase64url(clientDataJson), "base64url").toString("utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    return parsed as { type: unknown; challenge: unknown; origin: unknown };
  } catch {
    return undefined;
  }
}

/** The challenge in a clientDataJSON (base64url), or undefined when it is not readable. */
export function challengeOf(clientDataJson: string): string | undefined {
  const challenge = parseClientData(clientDataJson)?.challenge;
  return typeof challenge === "string" && challenge.length <= 512 ? challenge : undefined;
}
