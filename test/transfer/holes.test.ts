import { hashSync } from "@node-rs/bcrypt";
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportFormat } from "../../src/transfer/formats/index.js";
import { maxRecordBytes } from "../../src/transfer/record-stream.js";
import { createAccessPoint } from "../authfi/authfi-client.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { exportText, importText, origin, softwareCredential } from "./transfer-harness.js";

// Review of issue 19, second pass: imports and exports leave an audit trail, refusals come in line
// order, a dry run counts as the real run does, and each format's bad records are refused with
// their line and reason while the others are imported. One server for the whole file.

let server: TestServer;
let shop: string;
const run = randomBytes(4).toString("hex");
const hash = "$argon2id$v=19$m=19456,t=2,p=1$Y9RvCD3POxlmqsIlJWtRig$Nus2ZeBDV5ERKRWUKZ25wM0TD6KGBw6DuSGg7X3/q4I";
const weakHash = hashSync("password", 4);
const unknownHash = "$md5$c2FsdHNhbHQ$abcdefabcdefabcdef";
// A P-256 key whose y coordinate is flipped: CBOR and COSE-shaped, but not a point on the curve.
const offCurveKey = (() => {
  const bytes = Buffer.from(softwareCredential().publicKey, "base64url");
  bytes[bytes.length - 1]! ^= 1;
  return bytes.toString("base64url");
})();

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example" });
  shop = (await createAccessPoint(server, { slug: `shop${run}` })).slug;
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const db = () => server.app.database.db;
const hanko = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ user_id: id, emails: [{ address: `${id}@example.com`, is_primary: true, is_verified: true }], password: { password: hash }, ...extra });

describe("the audit trail of imports and exports", () => {
  it("records each imported user in its batch, the run with its counts, and the export", async () => {
    const ids = [randomUUID(), randomUUID()];
    const result = await importText(server, "hanko", `${hanko(ids[0]!)}\n${hanko(ids[1]!)}\nnot json\n`);
    expect(result.summary).toEqual({ imported: 2, unchanged: 0, refused: 1 });
    const created = await db().selectFrom("audit_events").selectAll().where("user_id", "in", ids).execute();
    expect(created.map((event) => ({ type: event.type, product: event.product, actor: event.actor, details: event.details })).sort()).toEqual(
      ids.map(() => ({ type: "user.created", product: "hanko", actor: "test", details: { source: "hanko", imported: true } })),
    );
    expect(JSON.stringify(created)).not.toContain("argon2");
    const runs = await db().selectFrom("audit_events").selectAll().where("type", "=", "users.imported").orderBy("sequence", "desc").limit(1).execute();
    expect(runs.map((event) => ({ product: event.product, actor: event.actor, details: event.details }))).toEqual([
      { product: "admin", actor: "test", details: { source: "hanko", imported: 2, unchanged: 0, refused: 1 } },
    ]);
    const before = await db().selectFrom("audit_events").select(sql<number>`count(*)::int`.as("n")).where("type", "=", "users.exported").executeTakeFirstOrThrow();
    await exportText(server);
    const exported = await db().selectFrom("audit_events").selectAll().where("type", "=", "users.exported").orderBy("sequence", "desc").execute();
    expect(exported.length).toBe(before.n + 1);
    expect(exported[0]).toMatchObject({ product: "admin", actor: "test", details: { totp_secrets: false } });
  }, 60_000);

  it("writes nothing for a dry run", async () => {
    const id = randomUUID();
    const before = await db().selectFrom("audit_events").select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    await importText(server, "hanko", `${hanko(id)}\n`, { dryRun: true });
    const after = await db().selectFrom("audit_events").select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  }, 60_000);
});

describe("refusals and dry runs", () => {
  it("reports the refusals of a batch in line order", async () => {
    const id = randomUUID();
    // Line 2 is refused when the batch is stored (a repeated id), line 3 as it is read (not JSON).
    const result = await importText(server, "hanko", `${hanko(id)}\n${hanko(id)}\n{broken\n${hanko(randomUUID())}\n`);
    expect(result.refused.map((refusal) => refusal.line)).toEqual([2, 3]);
  }, 60_000);

  it("counts a repeated id in a later batch in a dry run as the real run does", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const text = `${hanko(a)}\n${hanko(b)}\n${hanko(a)}\n`;
    const dry = await importText(server, "hanko", text, { dryRun: true, batchSize: 2 });
    const real = await importText(server, "hanko", text, { batchSize: 2 });
    expect(real.summary).toEqual({ imported: 2, unchanged: 1, refused: 0 });
    expect(dry.summary).toEqual(real.summary);
  }, 60_000);
});

/** Each format's good record and the bad ones, by what is wrong. */
interface FormatCase {
  format: ImportFormat;
  good(id: string): unknown;
  bad: [string, (id: string) => unknown, RegExp][];
}

const tesseraCredential = (publicKey: string) => ({
  credentialId: randomBytes(16).toString("base64url"),
  publicKey,
  signCount: 0,
  transports: [],
  aaguid: null,
  backupEligible: false,
  backedUp: false,
  userHandle: null,
  name: null,
  product: "hanko",
});
const flatKey = (publicKey: string) => ({ credential_id: randomBytes(16).toString("base64url"), public_key: publicKey, sign_count: 0 });

const cases: FormatCase[] = [
  {
    format: "hanko",
    good: (id) => ({ user_id: id, emails: [{ address: `${id}@example.com`, is_primary: true, is_verified: true }], password: { password: hash } }),
    bad: [
      ["missing id", (id) => ({ emails: [{ address: `${id}@example.com`, is_primary: true, is_verified: true }] }), /no id/],
      ["bad email", (id) => ({ user_id: id, emails: [{ address: "not-an-address", is_primary: true, is_verified: true }] }), /not an email address/],
      ["unknown hash", (id) => ({ user_id: id, emails: [{ address: `${id}@example.com`, is_primary: true, is_verified: true }], password: { password: unknownHash } }), /password/],
      ["weak hash", (id) => ({ user_id: id, emails: [{ address: `${id}@example.com`, is_primary: true, is_verified: true }], password: { password: weakHash } }), /under the floor/],
      [
        "bad COSE key",
        (id) => ({ user_id: id, emails: [{ address: `${id}@example.com`, is_primary: true, is_verified: true }], webauthn_credentials: [{ id: randomBytes(16).toString("base64url"), public_key: offCurveKey, sign_count: 0 }] }),
        /not on the curve/,
      ],
    ],
  },
  {
    format: "kratos",
    good: (id) => ({ id, traits: { email: `${id}@example.com` }, credentials: { password: { config: { hashed_password: hash } } } }),
    bad: [
      ["missing id", (id) => ({ traits: { email: `${id}@example.com` } }), /no id/],
      ["bad email", (id) => ({ id, traits: { email: "not-an-address" } }), /not an email address/],
      ["unknown hash", (id) => ({ id, traits: { email: `${id}@example.com` }, credentials: { password: { config: { hashed_password: unknownHash } } } }), /hashed_password/],
      ["weak hash", (id) => ({ id, traits: { email: `${id}@example.com` }, credentials: { password: { config: { hashed_password: weakHash } } } }), /under the floor/],
      [
        "bad COSE key",
        (id) => ({ id, traits: { email: `${id}@example.com` }, credentials: { webauthn: { config: { credentials: [{ id: randomBytes(16).toString("base64url"), public_key: offCurveKey, authenticator: { sign_count: 0 } }] } } } }),
        /not on the curve/,
      ],
    ],
  },
  {
    format: "tessera",
    good: (id) => ({ id, tenant: "default", emails: [{ address: `${id}@example.com`, verified: true, primary: true }], phones: [], passwordHash: hash, webauthn: [], factors: null, authfi: null }),
    bad: [
      ["missing id", (id) => ({ tenant: "default", emails: [{ address: `${id}@example.com`, verified: true, primary: true }], phones: [], passwordHash: null, webauthn: [], factors: null, authfi: null }), /id/],
      ["bad email", (id) => ({ id, tenant: "default", emails: [{ address: "not-an-address", verified: true, primary: true }], phones: [], passwordHash: null, webauthn: [], factors: null, authfi: null }), /not an email address/],
      ["unknown hash", (id) => ({ id, tenant: "default", emails: [{ address: `${id}@example.com`, verified: true, primary: true }], phones: [], passwordHash: unknownHash, webauthn: [], factors: null, authfi: null }), /passwordHash/],
      ["weak hash", (id) => ({ id, tenant: "default", emails: [{ address: `${id}@example.com`, verified: true, primary: true }], phones: [], passwordHash: weakHash, webauthn: [], factors: null, authfi: null }), /under the floor/],
      [
        "bad COSE key",
        (id) => ({ id, tenant: "default", emails: [{ address: `${id}@example.com`, verified: true, primary: true }], phones: [], passwordHash: null, webauthn: [tesseraCredential(offCurveKey)], factors: null, authfi: null }),
        /not on the curve/,
      ],
    ],
  },
  {
    format: "authfi",
    good: (id) => ({ access_point: shop, id, name: `n${id.slice(0, 8)}`, keys: [flatKey(softwareCredential().publicKey)] }),
    bad: [
      ["missing id", (id) => ({ access_point: shop, name: `n${id.slice(0, 8)}` }), /no id/],
      ["bad COSE key", (id) => ({ access_point: shop, id, name: `n${id.slice(0, 8)}`, keys: [flatKey(offCurveKey)] }), /not on the curve/],
    ],
  },
];

describe.each(cases)("bad $format records", ({ format, good, bad }) => {
  it("are refused with their line and reason, the others imported", async () => {
    const lines = [JSON.stringify(good(randomUUID()))];
    const expected: { line: number; reason: RegExp }[] = [];
    for (const [, make, reason] of bad) {
      lines.push(JSON.stringify(make(randomUUID())));
      expected.push({ line: lines.length, reason });
    }
    lines.push(`{"id": "${randomUUID()}", "broken`);
    expected.push({ line: lines.length, reason: /not JSON/ });
    lines.push(JSON.stringify({ ...(good(randomUUID()) as object), padding: "é".repeat(maxRecordBytes / 2) }));
    expected.push({ line: lines.length, reason: /longer than/ });
    lines.push(JSON.stringify(good(randomUUID())));
    const result = await importText(server, format, `${lines.join("\n")}\n`);
    expect(result.summary).toEqual({ imported: 2, unchanged: 0, refused: expected.length });
    expect(result.refused.map((refusal) => refusal.line)).toEqual(expected.map((entry) => entry.line));
    for (const [index, entry] of expected.entries()) expect(result.refused[index]?.reason).toMatch(entry.reason);
  }, 60_000);
});
