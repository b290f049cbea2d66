import { Code, ConnectError, describeError, type Reason } from "@tessera/client";
import { HankoError, type HankoRestOperation } from "./hanko-api.js";

/** Sentences for the refusals of the Hanko REST calls the demo makes, by call and HTTP status. */
const hankoSentences: Partial<Record<HankoRestOperation, Record<number, string>>> = {
  "passcode-finalize": {
    401: "That passcode is wrong: check the email and type it again.",
    408: "That passcode has expired: ask for a new one.",
    410: "Too many wrong passcodes: ask for a new one.",
    429: "Too many wrong passcodes today: try again later.",
  },
  "webauthn-login-finalize": {
    400: "This passkey was not accepted: it may have been removed from your account, or copied from another device.",
    401: "This passkey was not accepted: it may have been removed from your account, or copied from another device.",
  },
};

/** Sentences for the reasons (google.rpc.ErrorInfo) of the Connect calls the demo makes: Hanko's and the Authenticator API's. */
const reasonSentences: Partial<Record<Reason, string>> = {
  USER_NOT_FOUND: "No account uses that email address.",
  EMAIL_TAKEN: "An account with that email address exists already.",
  SIGNUP_DISABLED: "Sign-up is turned off on this server.",
  PASSCODE_RATE_LIMITED: "Too many passcodes asked for: wait a little, then try again.",
  CREDENTIAL_EXISTS: "This passkey is on your account already.",
  CREDENTIAL_LIMIT: "You have as many passkeys as an account may hold.",
  CREDENTIAL_NOT_FOUND: "That passkey is no longer on your account.",
  INVALID_NAME: "A passkey name must be 1 to 128 characters.",
  INVALID_CREDENTIALS: "That email address and password do not match an account.",
  INVALID_CODE: "That code is wrong: check the email and type it again.",
  TOO_MANY_ATTEMPTS: "Too many wrong attempts: wait a little, then try again.",
  RATE_LIMIT: "Too many attempts: wait a little, then try again.",
  CONTACT_TAKEN: "An account with that email address exists already.",
  INVALID_EMAIL: "That is not an email address.",
  INVALID_PASSWORD: "The password is too short: use at least 8 characters.",
  WRONG_TOKEN_STATE: "This step needs the previous one first (sign in again).",
  FACTOR_NOT_ALLOWED: "This account does not allow that second step.",
  NO_DEVICE: "This account has no device yet: add one while signed in.",
  WEBAUTHN_REGISTRATION_FAILED: "The passkey or device could not be registered: the server did not accept what the browser made.",
  WEBAUTHN_LOGIN_FAILED: "The device was not accepted.",
  UNAUTHENTICATED: "You are signed out: sign in again.",
  INVALID_TOKEN: "You are signed out: sign in again.",
  UNAVAILABLE: "The server cannot reach its database right now: try again shortly.",
  DATABASE_UNAVAILABLE: "The server cannot reach its database right now: try again shortly.",
};

/** What the browser's WebAuthn refusals mean to the person at the keyboard. */
const webauthnSentences: Record<string, string> = {
  NotAllowedError: "The passkey prompt was closed or timed out, or this device holds no passkey for this account.",
  InvalidStateError: "This device already holds a passkey for this account.",
  SecurityError: "This page's address may not use passkeys of this site (check ORIGIN and RP_ID).",
  NotSupportedError: "This browser cannot make the kind of passkey the server asks for.",
  AbortError: "The passkey prompt was cancelled.",
};

/** An error of any call the page makes, said in a sentence. */
export function sentenceOf(error: unknown): string {
  if (error instanceof HankoError) {
    const sentence = hankoSentences[error.operation]?.[error.status];
    if (sentence !== undefined) return sentence;
    if (error.status === 401) return "You are signed out: sign in again.";
    if (error.status === 429) return "Too many attempts: wait a little, then try again.";
    if (error.status === 503) return "The server cannot reach its database right now: try again shortly.";
    return `The server refused: ${error.message} (${error.status}).`;
  }
  if (error instanceof ConnectError) {
    const { reason, reasonText, message, code } = describeError(error);
    const sentence = reason === undefined ? undefined : reasonSentences[reason];
    if (sentence !== undefined) return sentence;
    if (code === Code.Unavailable) return "The server cannot be reached right now: try again shortly.";
    return `The server refused: ${message}${reasonText === undefined ? "" : ` (${reasonText})`}.`;
  }
  if (error instanceof Error) {
    const name = error.name;
    const sentence = webauthnSentences[name] ?? webauthnSentences[String((error as { cause?: { name?: string } }).cause?.name)];
    if (sentence !== undefined) return sentence;
    if (error instanceof TypeError) return "The server cannot be reached: check that Tessera is running.";
    return error.message;
  }
  return String(error);
}
