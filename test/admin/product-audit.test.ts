import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshEmail, freshPhone, newIdentity, register, selfSigned, sendJwt } from "../authentiq/authentiq-client.js";
import { messageText, sentCount } from "../authenticator/authenticator-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { jincor, secretOf, totp, verifyJwtSecret } from "../jincor/jincor-client.js";
import { adminOk, adminTransports } from "./admin-client.js";
import { startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// Acts of Jincor VERIFY and Authentiq that once wrote no audit event: a second factor set up and
// removed, a key revoked by email and phone, a revocation secret guessed wrong.

let world: AdminWorld;
const subjects: Record<string, string> = {};

beforeAll(async () => {
  world = await startAdminWorld({ VERIFY_JWT_SECRET: verifyJwtSecret });
});

/** The acts (in a test: the mail helper polls the sink with expect.poll). */
async function act(): Promise<void> {
  const { server } = world;

  // Jincor google_auth: a consumer sets up TOTP (the first code confirms the secret), then removes it.
  const consumer = freshEmail();
  const initiate = () => jincor(server.url, "POST", "/methods/google_auth/actions/initiate", { body: { consumer, issuer: "Jincor", policy: { expiredOn: "00:05:00" } } });
  const first = await initiate();
  expect(first.status, first.text).toBe(200);
  const { verificationId: setUp, totpUri } = first.json as { verificationId: string; totpUri: string };
  const secret = secretOf(totpUri);
  const now = Date.now() / 1000;
  const confirmed = await jincor(server.url, "POST", `/methods/google_auth/verifiers/${setUp}/actions/validate`, { body: { code: totp(secret, now) } });
  expect(confirmed.status, confirmed.text).toBe(200);
  const second = await initiate();
  const removal = (second.json as { verificationId: string }).verificationId;
  // The next step's code (one step of drift is accepted): the step just used is refused a second time.
  const removed = await jincor(server.url, "POST", `/methods/google_auth/verifiers/${removal}/actions/validate`, { body: { code: totp(secret, now + 30), removeSecret: true } });
  expect(removed.status, removed.text).toBe(200);
  subjects.setUp = setUp;
  subjects.removal = removal;

  // Authentiq: a wrong revocation secret, then a revocation by email and phone with the mailed code.
  const id = newIdentity();
  await register(server.url, id);
  expect((await rest(server.url, "DELETE", `/key/${id.pk}?secret=not-the-secret`)).status).toBe(401);
  const email = freshEmail();
  const phone = freshPhone();
  expect((await sendJwt(server.url, "PUT", `/key/${id.pk}`, await selfSigned(id, { email, phone }))).status).toBe(200);
  const index = sentCount(world.sinks, email);
  expect((await rest(server.url, "DELETE", `/key?${new URLSearchParams({ email, phone })}`)).status).toBe(200);
  const code = /Authentiq ID is (\d{6})\./.exec(await messageText(world.sinks, email, index))![1]!;
  const done = await rest(server.url, "DELETE", `/key?${new URLSearchParams({ email, phone, code })}`);
  expect(done.status, done.text).toBe(200);
  expect((await rest(server.url, "GET", `/key/${id.pk}`)).status).toBe(410);
  subjects.key = id.pk;
}

afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

type Event = { type: string; product: string; outcome: string; reason?: string; clientIp?: string; details?: Record<string, string> };

// [what, type, product, outcome, details it must carry]
const expected: Array<[string, string, string, string, (subjects: Record<string, string>) => Record<string, string>]> = [
  ["Jincor TOTP set up", "factor_settings.changed", "jincor", "success", (s) => ({ factor: "totp", change: "confirmed", verification_id: s.setUp! })],
  ["Jincor TOTP removed", "factor_settings.changed", "jincor", "success", (s) => ({ factor: "totp", change: "removed", verification_id: s.removal! })],
  ["Authentiq revocation with a wrong secret", "credential.removed", "authentiq", "failure", (s) => ({ kind: "authentiq_key", key: s.key! })],
  ["Authentiq key revoked by email and phone", "credential.removed", "authentiq", "success", (s) => ({ kind: "authentiq_key", key: s.key!, by: "contact" })],
];

describe("the acts", () => {
  it("go through", act, 60_000);
});

describe.each(adminTransports)("product acts in ListAuditEvents over %s", (transport) => {
  it.each(expected)("%s is recorded", async (_what, type, product, outcome, details) => {
    const page = await adminOk(transport, world.server, "listAuditEvents", { filter: { types: [type], product, outcome }, pageSize: 200 });
    const events = (page.events ?? []) as Event[];
    // The act came over a transport that knows the caller: its address is on the event.
    expect(events.filter((event) => event.clientIp === "127.0.0.1" && Object.entries(details(subjects)).every(([name, value]) => event.details?.[name] === value))).toHaveLength(1);
  });
});
