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

/** The opaque token of the page after `position`: base64url of its JSON. */
export function encodePageToken(position: UserPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString("base64url");
}

/** The position a page token stands for; INVALID_PAGE_TOKEN (invalid) for anything this server did not issue. */
export function decodePageToken(token: string): UserPosition | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidToken();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== "string" || !timePattern.test(createdAt) || typeof id !== "string" || !isUuid(id)) throw invalidToken();
  return { createdAt, id };
}

function invalidToken(): DomainError {
  return new DomainError("INVALID_PAGE_TOKEN", "invalid", "page_token is not a token this server issued");
}
