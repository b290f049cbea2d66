import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { authenticator, exportText, importText, origin, softwareCredential, uuidHandle, type ImportResult } from "./transfer-harness.js";

// Kratos identities with a password hash of each algorithm Kratos writes or imports (published
// vectors, see src/core/password/password-verify.test.ts), one with a WebAuthn credential: each
// logs in over Hanko's API with the old password, and its hash is argon2id afterwards.

/** `[algorithm, password, hash]`. */
const hashes: Array<[string, string, string]> = [
  ["bcrypt", "rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"],
  ["argon2i", "test", "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c"],
  ["scrypt", "test", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="],
  ["pbkdf2-sha256", "test", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"],
];

let server: TestServer;
const run = randomUUID().slice(0, 8);
const ids = hashes.map(() => randomUUID());
const passkeyUser = randomUUID();
const passkey = softwareCredential(uuidHandle(passkeyUser));
const inactiveUser = randomUUID();
const inactivePassword = "rasmuslerdorf";
let result: ImportResult;

const identity = (id: string, email: string, credentials: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  schema_id: "preset://email",
  state: "active",
  traits: { email },
  verifiable_addresses: [{ value: email, verified: true, via: "email", status: "completed" }],
  credentials,
  created_at: "2024-02-03T04:05:06Z",
  ...extra,
});

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example", HANKO_PASSWORDS_ENABLED: "true" });
  const lines = hashes.map(([algorithm, , hash], index) => identity(ids[index]!, `${algorithm}-${run}@example.com`, { password: { config: { hashed_password: hash } } }));
  lines.push(
    identity(
      passkeyUser,
      `Passkey-${run}@Example.com`,
      {
        webauthn: {
          config: {
            user_handle: uuidHandle(passkeyUser).toString("base64"),
            credentials: [
              {
                id: passkey.credential.id.toString("base64"),
                public_key: Buffer.from(passkey.publicKey, "base64url").toString("base64"),
                attestation_type: "none",
                authenticator: { aaguid: Buffer.alloc(16, 0x11).toString("base64"), sign_count: 7, clone_warning: false },
                display_name: "YubiKey",
                flags: { user_present: true, user_verified: true, backup_eligible: true, backup_state: true },
                added_at: "2024-02-03T04:05:06Z",
              },
            ],
          },
        },
      },
      { traits: { email: `Passkey-${run}@Example.com`, phone: "+49 30 1234567" } },
    ),
  );
  // Deactivated in Kratos, with a password that verifies: it must come in unable to log in.
  lines.push(identity(inactiveUser, `inactive-${run}@example.com`, { password: { config: { hashed_password: hashes[0]![2] } } }, { state: "inactive", state_changed_at: "2024-06-07T08:09:10Z" }));
  const bad = [
    identity(randomUUID(), `md5-${run}@example.com`, { password: { config: { hashed_password: "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/" } } }),
    identity(randomUUID(), `clear-${run}@example.com`, { password: { config: { password: "hunter2hunter2" } } }),
    { id: randomUUID(), traits: {} },
    identity(randomUUID(), `weak-scrypt-${run}@example.com`, { password: { config: { hashed_password: "$scrypt$ln=1024,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=" } } }),
    identity(randomUUID(), `weak-pbkdf2-${run}@example.com`, { password: { config: { hashed_password: "$pbkdf2-sha256$i=1000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI" } } }),
  ];
  result = await importText(server, "kratos", [...lines, ...bad].map((line) => JSON.stringify(line)).join("\n"));
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

const storedHash = async (userId: string) => (await server.app.database.db.selectFrom("passwords").select("hash").where("user_id", "=", userId).executeTakeFirstOrThrow()).hash;

describe("importing Kratos identities", () => {
  it("imports one identity per hash algorithm and the passkey user, refusing weak, clear and empty ones by line", () => {
    expect(result.summary).toEqual({ imported: 6, unchanged: 0, refused: 5 });
    expect(result.refused.map((refusal) => refusal.line)).toEqual([7, 8, 9, 10, 11]);
    expect(result.refused[0]?.reason).toMatch(/^credentials\.password\.config\.hashed_password: MD5-crypt is broken/);
    expect(result.refused[1]?.reason).toBe("credentials.password.config.password (a clear password) is not imported: give hashed_password");
    expect(result.refused[2]?.reason).toBe("traits carry neither an email nor a phone number");
    // Weak parameters of a sound algorithm are refused too, with the parameters and the floor.
    expect(result.refused[3]?.reason).toMatch(/^credentials\.password\.config\.hashed_password: .*scrypt N=1024,r=8 uses 1 MiB, under the floor of 16 MiB/);
    expect(result.refused[4]?.reason).toMatch(/^credentials\.password\.config\.hashed_password: .*1000 PBKDF2 iterations are under the floor of 10000/);
    // Nothing of the clear password reaches a refusal.
    expect(JSON.stringify(result.refused)).not.toContain("hunter2");
  });

  it.each(hashes.map((entry, index) => [...entry, index] as const))("logs a %s user in over REST with the old password, then stores argon2id", async (_algorithm, password, hash, index) => {
    const userId = ids[index]!;
    expect(await storedHash(userId)).toBe(hash);
    expect((await rest(server.url, "POST", "/password/login", { body: { user_id: userId, password: `${password}-wrong` } })).status).toBe(401);
    expect(await storedHash(userId)).toBe(hash);
    expect((await rest(server.url, "POST", "/password/login", { body: { user_id: userId, password } })).status).toBe(200);
    expect(await storedHash(userId)).toMatch(/^\$argon2id\$/);
    expect((await rest(server.url, "POST", "/password/login", { body: { user_id: userId, password } })).status).toBe(200);
  });

  it("logs the passkey user in with a discoverable login from the imported count", async () => {
    const init = await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} });
    const challenge = (init.json as { publicKey: { challenge: string } }).publicKey.challenge;
    const login = await rest(server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(passkey.credential, challenge, { counter: 8, withUserHandle: true }) });
    expect(login).toMatchObject({ status: 200, json: { user_id: passkeyUser } });
  });
});

describe("an identity inactive in Kratos", () => {
  it("comes in locked from the documented sample too", async () => {
    // The sample's inactive identity (its active one has the phone number of the passkey user above).
    const sample = JSON.parse(await readFile("docs/import/kratos.json", "utf8")) as Array<{ state: string }>;
    const inactive = sample.filter((entry) => entry.state === "inactive");
    expect(inactive).toHaveLength(1);
    expect((await importText(server, "kratos", JSON.stringify(inactive))).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });
    const line = (await exportText(server)).split("\n").find((text) => text.includes("9a0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3")) ?? "{}";
    expect(JSON.parse(line)).toMatchObject({ locked: { at: "2024-06-07T08:09:10.000Z" }, emails: [{ address: "former@example.com" }] });
  });

  it("comes in locked since Kratos deactivated it, and its right password does not log in over REST", async () => {
    const line = (await exportText(server)).split("\n").find((text) => text.includes(inactiveUser)) ?? "{}";
    expect(JSON.parse(line)).toMatchObject({ locked: { at: "2024-06-07T08:09:10.000Z", reason: "inactive in Kratos (imported)" }, passwordHash: hashes[0]![2] });
    const login = await rest(server.url, "POST", "/password/login", { body: { user_id: inactiveUser, password: inactivePassword } });
    expect(login.status, login.text).toBe(403);
  });
});

describe.each(rpcTransports)("an imported Kratos identity over %s", (transport) => {
  const session = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, SessionService, SessionServiceService, method, input);

  it("logs in with the old password (bcrypt, rehashed at the first login above or here)", async () => {
    expect(await session("loginWithPassword", { userId: ids[0], password: "rasmuslerdorf" })).toMatchObject({ ok: true });
    expect(await session("loginWithPassword", { userId: ids[0], password: "wrong one 123" })).toMatchObject({ ok: false, code: Code.Unauthenticated });
  });

  it("does not log an identity inactive in Kratos in with its right password", async () => {
    expect(await session("loginWithPassword", { userId: inactiveUser, password: inactivePassword })).toMatchObject({ ok: false, code: Code.PermissionDenied });
  });
});
