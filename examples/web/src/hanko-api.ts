/** A refusal of the Hanko REST API: the HTTP status, Hanko's `{code, message}` and the call it answered. */
export class HankoError extends Error {
  constructor(
    readonly operation: HankoOperation,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HankoError";
  }
}

/** The Hanko calls the demo makes, named so that a refusal can be said in words. */
export type HankoOperation =
  | "config"
  | "find-user"
  | "create-user"
  | "passcode-initialize"
  | "passcode-finalize"
  | "webauthn-registration-initialize"
  | "webauthn-registration-finalize"
  | "webauthn-login-initialize"
  | "webauthn-login-finalize"
  | "me"
  | "user"
  | "list-credentials"
  | "rename-credential"
  | "delete-credential"
  | "logout";

/** A passkey as Hanko lists it. */
export interface HankoCredential {
  id: string;
  name?: string;
  created_at: string;
  last_used_at?: string;
}

/** Calls the Hanko REST API of the server that served the page, with its session cookie (as Hanko Elements does). */
async function call<T>(operation: HankoOperation, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
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

/** The Hanko API as the demo page uses it. */
export const hanko = {
  config: () => call<{ password: { enabled: boolean } }>("config", "GET", "/.well-known/config"),
  /** The user with this email address (404 when there is none). */
  findUser: (email: string) => call<{ id: string; has_webauthn_credential: boolean }>("find-user", "POST", "/user", { email }),
  createUser: (email: string) => call<{ user_id: string }>("create-user", "POST", "/users", { email }),
  startPasscode: (userId: string) => call<{ id: string }>("passcode-initialize", "POST", "/passcode/login/initialize", { user_id: userId }),
  finishPasscode: (id: string, code: string) => call<unknown>("passcode-finalize", "POST", "/passcode/login/finalize", { id, code }),
  startRegistration: () => call<{ publicKey: unknown }>("webauthn-registration-initialize", "POST", "/webauthn/registration/initialize"),
  finishRegistration: (credential: unknown) => call<{ credential_id: string }>("webauthn-registration-finalize", "POST", "/webauthn/registration/finalize", credential),
  startLogin: (userId?: string) => call<{ publicKey: unknown }>("webauthn-login-initialize", "POST", "/webauthn/login/initialize", userId === undefined ? {} : { user_id: userId }),
  finishLogin: (assertion: unknown) => call<{ user_id: string }>("webauthn-login-finalize", "POST", "/webauthn/login/finalize", assertion),
  me: () => call<{ id: string }>("me", "GET", "/me"),
  user: (id: string) => call<{ id: string; email: string; created_at: string }>("user", "GET", `/users/${encodeURIComponent(id)}`),
  credentials: () => call<HankoCredential[]>("list-credentials", "GET", "/webauthn/credentials"),
  renameCredential: (id: string, name: string) => call<unknown>("rename-credential", "PATCH", `/webauthn/credentials/${encodeURIComponent(id)}`, { name }),
  deleteCredential: (id: string) => call<unknown>("delete-credential", "DELETE", `/webauthn/credentials/${encodeURIComponent(id)}`),
  logout: () => call<unknown>("logout", "POST", "/logout"),
};
