// The page test/browser/connect-web.test.ts drives: a browser app built on the compiled
// @tessera/client (packages/client/dist, built by scripts/build-client.mjs) and bundled with
// esbuild, served from an origin other than Tessera's. It exposes one function per call on
// `window.tesseraPage`; each answers a plain outcome (a value, or what describeError read from
// the failure) that the test can compare.
import { Code, createClient, createTesseraTransport, describeError, AuthenticatorService, IdentityService, SessionService, type TesseraProtocol } from "@tessera/client";

/** A token of the Authenticator API and the client id it is bound to. */
export interface Held {
  token: string;
  clientId: string;
}

/** What a failed call told the page. */
export interface Failure {
  code: string;
  reason: string | undefined;
  reasonText: string | undefined;
  message: string;
  metadata: Record<string, string>;
  network: boolean;
  requestId: string | undefined;
}

/** The outcome of one call, as the test reads it. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

const api = new URLSearchParams(window.location.search).get("api") ?? window.location.origin;

async function outcome<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (thrown) {
    const error = describeError(thrown);
    return {
      ok: false,
      failure: { code: Code[error.code], reason: error.reason, reasonText: error.reasonText, message: error.message, metadata: { ...error.metadata }, network: error.network, requestId: error.requestId },
    };
  }
}

/** Clients over `protocol`, with the held token's client id in `x-client-id` unless `sendClientId` is false. */
function clients(protocol: TesseraProtocol, held?: Held, sendClientId = true) {
  const transport = createTesseraTransport({
    baseUrl: api,
    protocol,
    bearerToken: held?.token,
    clientId: sendClientId ? held?.clientId : undefined,
    defaultTimeoutMs: 10_000,
  });
  return {
    session: createClient(SessionService, transport),
    identity: createClient(IdentityService, transport),
    authenticator: createClient(AuthenticatorService, transport),
  };
}

/** A Hanko REST call from the page, cross-origin with credentials: its answer may set the `hanko` cookie. */
async function rest(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${api}${path}`, {
    method: "POST",
    credentials: "include",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

const tesseraPage = {
  api,
  getJwks: (protocol: TesseraProtocol) =>
    outcome(async () => (await clients(protocol).session.getJwks({})).keys.map((key) => ({ kid: key.kid, kty: key.kty, alg: key.alg }))),
  /** GetJwks with the app's own correlation headers (its X-Request-Id, W3C trace context), as browser tracing sends them. */
  getJwksCorrelated: (protocol: TesseraProtocol, requestId: string, traceparent: string) =>
    outcome(async () => {
      const transport = createTesseraTransport({
        baseUrl: api,
        protocol,
        interceptors: [
          (next) => (request) => {
            request.header.set("x-request-id", requestId);
            request.header.set("traceparent", traceparent);
            return next(request);
          },
        ],
      });
      return (await createClient(SessionService, transport).getJwks({})).keys.length;
    }),
  getConfig: (protocol: TesseraProtocol) =>
    outcome(async () => {
      const config = await clients(protocol).session.getConfig({});
      return { passwordEnabled: config.password?.enabled, minPasswordLength: config.password?.minPasswordLength, requireVerification: config.emails?.requireVerification };
    }),
  createUser: (protocol: TesseraProtocol, email: string) =>
    outcome(async () => {
      const created = await clients(protocol).identity.createUser({ email });
      return { userId: created.userId, emailId: created.emailId };
    }),
  /** The session's user, from the `hanko` cookie alone (no Authorization header). */
  currentUser: (protocol: TesseraProtocol) => outcome(async () => (await clients(protocol).identity.getCurrentUser({})).id),
  startPasscode: (userId: string) => rest("/passcode/login/initialize", { user_id: userId }),
  finishPasscode: (id: string, code: string) => rest("/passcode/login/finalize", { id, code }),
  signUp: (protocol: TesseraProtocol, email: string, password: string) =>
    outcome(async (): Promise<Held> => {
      const answer = await clients(protocol).authenticator.signUp({ email, password });
      return { token: answer.token, clientId: answer.clientId };
    }),
  verifySignUp: (protocol: TesseraProtocol, held: Held, code: string, sendClientId: boolean) =>
    outcome(async (): Promise<Held> => {
      const answer = await clients(protocol, held, sendClientId).authenticator.verifySignUp({ code });
      return { token: answer.token, clientId: answer.clientId };
    }),
  verifyToken: (protocol: TesseraProtocol, held: Held) =>
    outcome(async () => {
      const answer = await clients(protocol, held).authenticator.verifyToken({});
      return { userId: answer.userId, state: answer.state };
    }),
};

/** What the test calls. */
export type TesseraPage = typeof tesseraPage;

(window as unknown as { tesseraPage: TesseraPage }).tesseraPage = tesseraPage;
document.body.dataset.ready = "true";
