import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { createClient, createTesseraTransport } from "@tessera/client";
import { IdentityService } from "@tessera/client/identity";
import { VerifyService } from "@tessera/client/verify";
import {
  FinalizeRegistrationRequestSchema,
  InitializeLoginResponseSchema,
  InitializeRegistrationResponseSchema,
  WebAuthnService,
  type Credential,
} from "@tessera/client/webauthn";

/** A refusal of the Hanko REST API: the HTTP status, Hanko's `{code, message}` and the call it answered. */
export class HankoError extends Error {
  constructor(
    readonly operation: HankoRestOperation,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HankoError";
  }
}

/**
 * The Hanko calls the demo makes over REST: the ones that set or clear the HttpOnly `hanko`
 * cookie. Every other Hanko call goes through @tessera/client over Connect (the same cookie
 * authenticates it), and a refusal there is a ConnectError with its reason.
 */
export type HankoRestOperation = "passcode-finalize" | "webauthn-login-finalize" | "logout";

/** A passkey as Hanko lists it. */
export type HankoCredential = Credential;

/** Calls the Hanko REST API of the server that served the page, with its session cookie (as Hanko Elements does). */
async function call<T>(operation: HankoRestOperation, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method: "POST",
    credentials: "include",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json: unknown = text === "" ? undefined : safeJson(text);
  if (!response.ok) {
    const message = typeof json === "object" && json !== null && "message" in json ? String(json.message) : response.statusText;
    throw new HankoError(operation, response.status, message);
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `value` as it would go over the wire: members that are undefined (a credential's missing authenticatorAttachment) dropped. */
function plainJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

// Connect JSON to the server that served the page; the `hanko` cookie travels with every call.
const transport = createTesseraTransport({ baseUrl: window.location.origin });
const identity = createClient(IdentityService, transport);
const verify = createClient(VerifyService, transport);
const webauthn = createClient(WebAuthnService, transport);

/** The Hanko API as the demo page uses it. */
export const hanko = {
  /** The user with this email address (NotFound, USER_NOT_FOUND, when there is none). */
  findUser: (email: string) => identity.findUserByEmail({ email }),
  createUser: (email: string) => identity.createUser({ email }),
  startPasscode: (userId: string) => verify.initializePasscodeLogin({ userId }),
  /** Sets the `hanko` cookie: REST. */
  finishPasscode: (id: string, code: string) => call<unknown>("passcode-finalize", "/passcode/login/finalize", { id, code }),
  /** Creation options in the JSON form `@simplewebauthn/browser` takes. */
  startRegistration: async (): Promise<JsonValue> => (toJson(InitializeRegistrationResponseSchema, await webauthn.initializeRegistration({})) as { publicKey: JsonValue }).publicKey,
  finishRegistration: (credential: unknown) => webauthn.finalizeRegistration(fromJson(FinalizeRegistrationRequestSchema, plainJson(credential), { ignoreUnknownFields: true })),
  /** Request options for the user's passkeys, or for a discoverable login without a user. */
  startLogin: async (userId?: string): Promise<JsonValue> => (toJson(InitializeLoginResponseSchema, await webauthn.initializeLogin({ userId: userId ?? "" })) as { publicKey: JsonValue }).publicKey,
  /** Sets the `hanko` cookie: REST. */
  finishLogin: (assertion: unknown) => call<{ user_id: string }>("webauthn-login-finalize", "/webauthn/login/finalize", assertion),
  me: () => identity.getCurrentUser({}),
  user: (id: string) => identity.getUser({ id }),
  credentials: async () => (await webauthn.listCredentials({})).credentials,
  renameCredential: (id: string, name: string) => webauthn.updateCredential({ id, name }),
  deleteCredential: (id: string) => webauthn.deleteCredential({ id }),
  /** Clears the `hanko` cookie: REST. */
  logout: () => call<unknown>("logout", "/logout"),
};
