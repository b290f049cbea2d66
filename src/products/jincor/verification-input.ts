import { randomInt } from "node:crypto";
import { DomainError } from "../../core/errors/domain-error.js";
import { isUuid } from "../../core/errors/uuid.js";

/** The methods Jincor VERIFY serves. */
export type VerificationMethod = "email" | "phone" | "google_auth";

const methods: readonly string[] = ["email", "phone", "google_auth"] satisfies VerificationMethod[];

/** Code lengths a caller may ask for. */
export const minCodeLength = 1;
export const maxCodeLength = 64;
/** The longest forced code accepted. */
export const maxForcedCodeLength = 128;
/** The longest lifetime `policy.expiredOn` may give (99:59:59). */
export const maxLifetimeSeconds = 99 * 3600 + 59 * 60 + 59;

const namedSets: Record<string, string> = {
  DIGITS: "0123456789",
  alphas: "abcdefghijklmnopqrstuvwxyz",
  ALPHAS: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
};

/** One invalid field, as Jincor's `details` lists it. */
export interface FieldProblem {
  path: string;
  error: string;
}

/** Collects field problems and throws them together as one INVALID_REQUEST. */
export class FieldProblems {
  readonly problems: FieldProblem[] = [];

  add(path: string, error: string): void {
    this.problems.push({ path, error });
  }

  /** Throws INVALID_REQUEST (invalid) listing every problem, when there is one. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const summary = this.problems.map((p) => `${p.path} ${p.error}`).join("; ");
    throw new DomainError("INVALID_REQUEST", "invalid", summary, { details: { details: this.problems } });
  }
}

/** Returns the method, or throws METHOD_NOT_SUPPORTED (not_found). */
export function requireMethod(method: string): VerificationMethod {
  if (!methods.includes(method)) throw new DomainError("METHOD_NOT_SUPPORTED", "not_found", "Method not supported");
  return method as VerificationMethod;
}

/** Seconds in an `HH:MM:SS` lifetime, or undefined when it is not one (or is zero). */
export function parseLifetime(value: string): number | undefined {
  const match = /^(\d{1,2}):([0-5]\d):([0-5]\d)$/.exec(value);
  if (match === null) return undefined;
  const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  return seconds > 0 ? seconds : undefined;
}

/** The distinct characters a code may use, or a problem with the symbol set. */
export function codeAlphabet(symbolSet: readonly string[]): string | { error: string } {
  if (symbolSet.length === 0) return { error: "must list at least one symbol set" };
  const characters = new Set<string>();
  for (const entry of symbolSet) {
    if (entry === "") return { error: "must not contain an empty entry" };
    for (const character of namedSets[entry] ?? entry) characters.add(character);
  }
  return [...characters].join("");
}

/** A random code of `length` characters drawn uniformly from `alphabet` (crypto RNG). */
export function generateCode(alphabet: string, length: number): string {
  const characters = [...alphabet];
  let code = "";
  for (let i = 0; i < length; i++) code += characters[randomInt(characters.length)];
  return code;
}

/** Checks a forced verification id: a UUID (lower-cased). */
export function checkForcedId(value: string, problems: FieldProblems): string | undefined {
  if (value === "") return undefined;
  if (!isUuid(value)) {
    problems.add("policy.forcedVerificationId", "must be a UUID");
    return undefined;
  }
  return value.toLowerCase();
}

/**
 * The message to send: `{{{CODE}}}` and `{{{VERIFICATION_ID}}}` replaced (literally, never
 * as replacement patterns); a body without `{{{CODE}}}` gets the code appended.
 */
export function renderTemplate(body: string, code: string, verificationId: string): string {
  // The id first: a forced code may contain anything, and must not be substituted into.
  const withId = body.split("{{{VERIFICATION_ID}}}").join(verificationId);
  if (withId.includes("{{{CODE}}}")) return withId.split("{{{CODE}}}").join(code);
  return `${withId}${withId === "" || /\s$/.test(withId) ? "" : " "}${code}`;
}
