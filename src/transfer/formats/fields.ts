import { createHash } from "node:crypto";
import { normalizeEmail } from "../../core/identity/email-address.js";
import { normalizePhone } from "../../core/identity/phone-number.js";
import { isUuid } from "../../core/errors/uuid.js";
import { knownTransports } from "../../core/webauthn/transports.js";
import { toBase64url } from "../../core/webauthn/webauthn-encoding.js";
import { parsePasswordHash } from "../../core/password/password-format.js";

/** Why a record is refused: thrown by the field readers, caught per record by the reader. */
export class RecordRefused extends Error {}

/** Refuses the record with `reason`. */
export function refuse(reason: string): never {
  throw new RecordRefused(reason);
}

/** A JSON object member bag. */
export type Json = Record<string, unknown>;

/** `value` as an object, or the record is refused naming `path`. */
export function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) refuse(`${path} must be an object`);
  return value as Json;
}

/** `value` as an array (absent or null: empty). */
export function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) refuse(`${path} must be an array`);
  return value;
}

/** A string member, or undefined when absent, null or empty. */
export function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") refuse(`${path} must be a string`);
  return value;
}

/** A required non-empty string member. */
export function string(value: unknown, path: string): string {
  return optionalString(value, path) ?? refuse(`${path} is required`);
}

/** A boolean member (absent: `fallback`). */
export function flag(value: unknown, path: string, fallback = false): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") refuse(`${path} must be true or false`);
  return value;
}

/** A non-negative integer that fits WebAuthn's 32-bit counter (absent: 0). */
export function counter(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) refuse(`${path} must be an integer from 0 to 4294967295`);
  return value;
}

/** An ISO 8601 time, normalised; undefined when absent. */
export function time(value: unknown, path: string): string | undefined {
  const text = optionalString(value, path);
  if (text === undefined) return undefined;
  const parsed = new Date(text);
  if (Number.isNaN(parsed.getTime())) refuse(`${path} is not a date and time`);
  return parsed.toISOString();
}

/** A normalised email address. */
export function email(value: unknown, path: string): string {
  try {
    return normalizeEmail(string(value, path));
  } catch (error) {
    if (error instanceof RecordRefused) throw error;
    return refuse(`${path} is not an email address`);
  }
}

/** A normalised phone number. */
export function phone(value: unknown, path: string): string {
  try {
    return normalizePhone(string(value, path));
  } catch (error) {
    if (error instanceof RecordRefused) throw error;
    return refuse(`${path} is not a phone number`);
  }
}

/** Binary given as base64url or base64 (padded or not), as base64url; refused when empty or not base64. */
export function binary(value: unknown, path: string, maxBytes = 1024): string {
  const normalized = toBase64url(string(value, path).trim());
  if (!/^[A-Za-z0-9_-]+$/.test(normalized) || normalized.length % 4 === 1) refuse(`${path} is not base64url or base64`);
  if (Buffer.from(normalized, "base64url").length > maxBytes) refuse(`${path} is longer than ${maxBytes} bytes`);
  return normalized;
}

/** An AAGUID given as a UUID, 16 bytes of base64, or an array of 16 bytes; null when absent or all zero. */
export function aaguid(value: unknown, path: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  let hex: string;
  if (Array.isArray(value)) {
    if (value.length !== 16 || !value.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255)) refuse(`${path} must be 16 bytes`);
    hex = Buffer.from(value as number[]).toString("hex");
  } else if (typeof value === "string" && isUuid(value)) {
    hex = value.replaceAll("-", "").toLowerCase();
  } else {
    const bytes = Buffer.from(binary(value, path, 16), "base64url");
    if (bytes.length !== 16) refuse(`${path} must be 16 bytes`);
    hex = bytes.toString("hex");
  }
  if (/^0+$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The transports WebAuthn knows, each once. */
export function transports(value: unknown, path: string): string[] {
  return knownTransports(list(value, path).map((item, index) => string(item, `${path}[${index}]`)));
}

/** A password hash the login can verify, or the record is refused with the parser's reason. */
export function passwordHash(value: unknown, path: string): string | null {
  const text = optionalString(value, path);
  if (text === undefined) return null;
  const parsed = parsePasswordHash(text);
  if (!parsed.ok) refuse(`${path}: ${parsed.reason}`);
  return text;
}

/** A username as Hanko keeps it: trimmed, lower-cased, letters, digits, `_`, `-` and `.`, 1 to 64 characters; undefined when absent. */
export function username(value: unknown, path: string): string | undefined {
  const text = optionalString(value, path)?.trim().toLowerCase();
  if (text === undefined || text === "") return undefined;
  if (!/^[\p{L}\p{N}_.-]{1,64}$/u.test(text)) refuse(`${path} must be 1 to 64 letters, digits, "_", "-" or "."`);
  return text;
}

/** A base32 TOTP secret (RFC 4648, no padding, upper case), at least 16 characters (80 bits). */
export function totpSecret(value: unknown, path: string): string {
  const secret = string(value, path).replace(/[\s=]/g, "").toUpperCase();
  if (!/^[A-Z2-7]{16,128}$/.test(secret)) refuse(`${path} must be a base32 secret of at least 80 bits`);
  return secret;
}

/**
 * The user's Tessera id: the source's when it is a UUID (lower-cased), else one derived from the
 * format and the source id, so that a second run of the same file finds the same users.
 */
export function userIdOf(format: string, sourceId: string | undefined): { id: string; sourceId?: string } {
  if (sourceId === undefined) refuse("the user has no id");
  if (isUuid(sourceId)) return { id: sourceId.toLowerCase() };
  const hex = createHash("sha256").update(`tessera-import\0${format}\0${sourceId}`).digest("hex");
  // RFC 9562 version 8 (custom), variant 10.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return { id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`, sourceId };
}

/** Refuses a user with two primary emails or the same address twice. */
export function checkEmails(emails: { address: string; primary: boolean }[]): void {
  if (emails.filter((entry) => entry.primary).length > 1) refuse("more than one primary email");
  const seen = new Set<string>();
  for (const entry of emails) {
    if (seen.has(entry.address)) refuse(`email ${entry.address} is given twice`);
    seen.add(entry.address);
  }
}

/** The record's `created_at` and `updated_at`, those it has. */
export function recordDates(entry: Json): { createdAt?: string; updatedAt?: string } {
  const createdAt = time(entry.created_at, "created_at");
  const updatedAt = time(entry.updated_at, "updated_at");
  return { ...(createdAt === undefined ? {} : { createdAt }), ...(updatedAt === undefined ? {} : { updatedAt }) };
}

/** Refuses a user who lists the same WebAuthn credential id twice, naming the second: `at(i)` is its field's path. */
export function distinctCredentials<T extends { credentialId: string }>(credentials: T[], at: (index: number) => string): T[] {
  const seen = new Set<string>();
  credentials.forEach((credential, index) => {
    if (seen.has(credential.credentialId)) refuse(`${at(index)} is given twice`);
    seen.add(credential.credentialId);
  });
  return credentials;
}
