import { expect } from "vitest";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import type { SoftwareCredential } from "../harness/software-authenticator.js";
import { authenticator } from "../authfi/authfi-client.js";
import { api, auth, codeSent, sentCount, type Account, type Sinks } from "../authenticator/authenticator-client.js";

/** Creation options as a client reads them: the challenge and the user handle. */
export type CreationOptions = { challenge: string; user: { id: string } };

/** A Hanko session of the account's user (a passcode login): the Bearer header. */
export async function hankoSession(server: TestServer, sinks: Sinks, account: Account): Promise<Record<string, string>> {
  const index = sentCount(sinks, account.contact);
  const passcode = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: account.userId } });
  const code = await codeSent(sinks, account.contact, index);
  const session = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (passcode.json as { id: string }).id, code } });
  return { authorization: `Bearer ${String(session.headers["x-auth-token"])}` };
}

/** Registers a Hanko passkey for the account's user over REST. */
export async function registerPasskey(server: TestServer, sinks: Sinks, account: Account): Promise<SoftwareCredential> {
  const bearer = await hankoSession(server, sinks, account);
  const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: bearer });
  const { credential, response } = authenticator.create((init.json as { publicKey: CreationOptions }).publicKey, "none");
  expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: bearer })).status).toBe(200);
  return credential;
}

/** Registers an Authenticator API device for the account over REST: devices are then allowed. */
export async function registerDevice(server: TestServer, account: Account): Promise<SoftwareCredential> {
  const options = await api(server, "POST", "/device", { headers: auth(account) });
  const { credential, response } = authenticator.create((options.json as { publicKey: CreationOptions }).publicKey, "none");
  expect((await api(server, "POST", "/device/verify", { body: response, headers: auth(account) })).status).toBe(201);
  return credential;
}
