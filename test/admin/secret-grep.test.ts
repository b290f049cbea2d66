import { sql } from "kysely";
import { authenticator as otp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshEmail } from "../authenticator/authenticator-client.js";
import { newIdentity, register } from "../authentiq/authentiq-client.js";
import { apiKey } from "../authfi/authfi-client.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { jincor, secretOf, totp, verifyJwtSecret } from "../jincor/jincor-client.js";
import { adminKey, adminOk } from "./admin-client.js";
import { api, auth, authenticatorAccount, authfiKey, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// The secrets the audit-events grep did not cover: a TOTP secret of the Authenticator API and of
// Jincor, the AuthFi API key, a webhook's signing secret, the admin key and an Authentiq key's
// secret. Each is used in a flow that writes audit events, then looked for in every audit row,
// every queued webhook payload and every line the server logged.

let world: AdminWorld;
const secrets: Array<{ name: string; value: string }> = [];

beforeAll(async () => {
  world = await startAdminWorld({ VERIFY_JWT_SECRET: verifyJwtSecret });
});

/** The flows (in a test: the helpers poll the sinks with expect.poll). */
async function act(): Promise<void> {
  const { server } = world;
  // The admin key: every admin call below carries it; the webhook's secret is shown once, here.
  const created = await adminOk("rest", server, "createWebhook", { url: "http://127.0.0.1:9/never" });
  const webhookSecret = /whsec_[A-Za-z0-9+/=]+/.exec(JSON.stringify(created))?.[0];
  expect(webhookSecret, "CreateWebhook shows the secret").toBeDefined();
  secrets.push({ name: "admin key", value: adminKey }, { name: "webhook secret", value: webhookSecret! });

  // The Authenticator API: TOTP offered, then enrolled with a code from its secret.
  const account = await authenticatorAccount(world);
  const patch = (body: unknown) => api(server, "PATCH", `/user/${account.userId}`, { body, headers: auth(account) });
  const offered = await patch({ is_totp_allowed: true });
  expect(offered.status, offered.text).toBe(200);
  const authenticatorSecret = (offered.json as { totp_secret: string }).totp_secret;
  expect((await patch({ is_totp_allowed: true, totp_code: otp.generate(authenticatorSecret) })).status).toBe(200);
  secrets.push({ name: "Authenticator TOTP secret", value: authenticatorSecret });

  // Jincor google_auth: initiate (the secret in totpUri), then a right code.
  const initiated = await jincor(server.url, "POST", "/methods/google_auth/actions/initiate", { body: { consumer: freshEmail(), issuer: "Jincor", policy: { expiredOn: "00:05:00" } } });
  expect(initiated.status, initiated.text).toBe(200);
  const uri = (initiated.json as { totpUri: string; verificationId: string }).totpUri;
  const jincorSecret = new URL(uri).searchParams.get("secret")!;
  const code = totp(secretOf(uri), Date.now() / 1000);
  const validated = await jincor(server.url, "POST", `/methods/google_auth/verifiers/${(initiated.json as { verificationId: string }).verificationId}/actions/validate`, { body: { code } });
  expect(validated.status, validated.text).toBeLessThan(500);
  secrets.push({ name: "Jincor TOTP secret", value: jincorSecret });

  // AuthFi: a key registered with the API key.
  await authfiKey(world);
  secrets.push({ name: "AuthFi API key", value: apiKey });

  // Authentiq: a key registered (the value register answers is its secret).
  secrets.push({ name: "Authentiq key secret", value: await register(server.url, newIdentity()) });
  // An admin act, so the admin key's holder is in the trail too.
  await adminOk("rest", server, "lockUser", { userId: account.userId, reason: "grep" });
}

afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

describe("no secret in the audit trail, the webhook payloads or the log", () => {
  it("uses each secret in a flow that writes audit events", async () => {
    await act();
    expect(secrets.map((secret) => secret.name)).toHaveLength(6);
  }, 60_000);

  it.each(["audit rows", "webhook payloads", "server log"] as const)("%s hold none of them", async (where) => {
    const db = world.server.app.database.db;
    const text =
      where === "audit rows"
        ? JSON.stringify((await sql`select * from audit_events`.execute(db)).rows)
        : where === "webhook payloads"
          ? JSON.stringify((await sql`select body, subject, recipient from outbox where channel = 'webhook'`.execute(db)).rows)
          : world.server.logs.join("");
    // Something was written there: an empty place would hold no secret for the wrong reason.
    expect(text.length).toBeGreaterThan(1000);
    expect(secrets.map((secret) => secret.name)).toHaveLength(6);
    for (const { name, value } of secrets) {
      expect(value.length, name).toBeGreaterThanOrEqual(8);
      expect(text.includes(value), `${where} hold the ${name}`).toBe(false);
    }
  });
});
