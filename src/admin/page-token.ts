import { DomainError } from "../core/errors/domain-error.js";
import { isUuid } from "../core/errors/uuid.js";
import type { UserPosition } from "./user-directory.port.js";

/** The page size when a request names none, and the largest a request may name. */
export const defaultPageSize = 50;
export const maxPageSize = 200;

/** The page size a request asks for: 1 to 200, 50 for 0; INVALID_FIELD otherwise. */
export function pageSizeOf(requested: number): number {
  if (requested === 0) return defaultPageSize;
  if (!Number.isInteger(requested) || requested < 1 || requested > maxPageSize) throw new DomainError("INVALID_FIELD", "invalid", `page_size must be 1 to ${maxPageSize}`);
  return requested;
}

const timePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Whether `value` is a position's time as the stores spell it (RFC 3339, 6 fraction digits, UTC). */
export function isPositionTime(value: string): boolean {
  return timePattern.test(value);
}

/** An opaque page token: base64url of the JSON array `parts`. */
export function encodeOpaqueToken(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

/**
 * The parts of an opaque page token: undefined for "" (the first page); INVALID_PAGE_TOKEN
 * (invalid) for anything that is not `length` strings this server issued, as `valid` judges them.
 */
export function decodeOpaqueToken(token: string, length: number, valid: (parts: string[]) => boolean): string[] | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== length || !parsed.every((part) => typeof part === "string") || !valid(parsed as string[])) {
    throw new DomainError("INVALID_PAGE_TOKEN", "invalid", "page_token is not a token this server issued");
  }
  return parsed as string[];
}

/** The opaque token of the page after `position`. */
export function encodePageToken(position: UserPosition): string {
  return encodeOpaqueToken([position.createdAt, position.id]);
}

/** The position a page token stands for; INVALID_PAGE_TOKEN (invalid) for anything this server did not issue. */
export function decodePageToken(token: string): UserPosition | undefined {
  const parts = decodeOpaqueToken(token, 2, ([createdAt, id]) => isPositionTime(createdAt!) && isUuid(id!));
  return parts === undefined ? undefined : { createdAt: parts[0]!, id: parts[1]! };
}
