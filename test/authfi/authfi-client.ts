import { expect } from "vitest";
import { createAccessPointService, type NewAccessPoint } from "../../src/products/authfi/tenant.service.js";
import { rest, type RestResponse } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { createAccessPointStore } from "../../src/store/authfi/tenant.store.js";

/** The relying party's web origin and RP id the test server is configured with. */
export const origin = "https://rp.example.com";
/** The access point and API key seeded by `AUTHFI_ACCESS_POINT` / `AUTHFI_API_KEY`. */
export const accessPoint = "abcdefgh0123456789";
export const apiKey = "VHJ5IGEgc2FtcGxlIEFQSSBrZXk";

/** A software authenticator for the test RP. */
export const authenticator = new SoftwareAuthenticator(origin, "rp.example.com");

/** Starts Tessera with the seeded AuthFi access point. */
export function startAuthfiServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ ORIGIN: origin, RP_NAME: "Example RP", AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey, ...env });
}

/** An AuthFi REST call under `/{ap}/api/v1`, with the API key unless told otherwise. */
export function authfi(server: TestServer, method: string, path: string, body?: unknown, options: { key?: string | null; ap?: string } = {}): Promise<RestResponse> {
  const key = options.key === undefined ? apiKey : options.key;
  return rest(server.url, method, `/${options.ap ?? accessPoint}/api/v1${path}`, {
    ...(body === undefined ? {} : { body }),
    headers: key === null ? {} : { "AT-X-KEY": key },
  });
}

/** Another access point, made as `npm run tessera -- rp create` makes one. */
export async function createAccessPoint(server: TestServer, options: NewAccessPoint): Promise<{ slug: string; apiKey: string }> {
  const created = await createAccessPointService({ store: createAccessPointStore(server.app.database.db), secrets: server.app.secrets }).create(options);
  if (created === undefined) throw new Error(`access point ${options.slug} exists`);
  return { slug: created.accessPoint.slug, apiKey: created.apiKey };
}

/** Creation options as AuthFi answers them. */
export type RegisterRequest = { challenge: string; user: { id: string; name: string }; excludeCredentials: Array<{ id: string }> };

/** `POST …/webauthn/registration` for `name`, asserting success. */
export async function beginRegistration(server: TestServer, name: string, options: { ap?: string; key?: string; userVerification?: string } = {}): Promise<RegisterRequest> {
  const body = { params: { user: { name, displayName: `${name} display` }, authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: true, userVerification: options.userVerification ?? "required" }, attestation: "direct" } };
  const answer = await authfi(server, "POST", "/webauthn/registration", body, options);
  expect(answer.json).toMatchObject({ code: 0 });
  expect(answer.status).toBe(200);
  return (answer.json as { fido_register_request: RegisterRequest }).fido_register_request;
}

/** A key registered end to end: its credential, the user id and the key id. */
export interface RegisteredKey {
  credential: SoftwareCredential;
  userId: string;
  keyId: string;
}

/** Registers a new key for `name` (attestation `none` or `packed`), asserting success. */
export async function registerKey(server: TestServer, name: string, format: "none" | "packed" = "none", options: { ap?: string; key?: string } = {}): Promise<RegisteredKey> {
  const request = await beginRegistration(server, name, options);
  const { credential, response } = authenticator.create(request, format);
  const answer = await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: response }, options);
  expect(answer.status).toBe(201);
  expect(answer.json).toMatchObject({ code: 0, uid: request.user.id, key_info: { credential_id: response.id, counter: 0, name: "" } });
  return { credential, userId: request.user.id, keyId: response.id };
}

/** `POST …/webauthn/login`: the challenge of a discoverable login. */
export async function loginChallenge(server: TestServer, options: { ap?: string; key?: string } = {}): Promise<string> {
  const answer = await authfi(server, "POST", "/webauthn/login", { params: { userVerification: "required" } }, options);
  expect(answer.status).toBe(200);
  return (answer.json as { fido_login_request: { challenge: string } }).fido_login_request.challenge;
}

/** `POST …/webauthn/verification` for the user named `name`: the challenge. */
export async function verificationChallenge(server: TestServer, name: string): Promise<string> {
  const answer = await authfi(server, "POST", "/webauthn/verification", { uId: name, params: { userVerification: "required" } });
  expect(answer.status).toBe(200);
  return (answer.json as { fido_auth_request: { challenge: string } }).fido_auth_request.challenge;
}

let counter = 0;
/** A fresh account name. */
export function newName(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}
