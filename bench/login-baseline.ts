// Child process of bench/run.ts: the baseline of POST /webauthn/login/finalize, "@simplewebauthn/
// server verify plus the same database writes in a plain script". No HTTP, no Tessera: a tight
// loop (runLoad, the parent's concurrency and durations) whose every iteration does what a
// login initialize + finalize pair does against a database of the same kind (in-memory PGlite,
// or the PostgreSQL database of BENCH_DATABASE_URL that Tessera migrated), through Kysely:
//   generateAuthenticationOptions (discoverable), insert the webauthn_challenges row,
//   sign the assertion (ES256, software authenticator; in Tessera's case the load generator
//   does this), select the credential by id, consume the challenge (update … set used_at =
//   now() … returning), verifyAuthenticationResponse, update sign_count/last_used_at (only if
//   the count is the one checked), insert a sessions row, RS256-sign the session JWT (jose,
//   with a KeyObject made once).
// Each worker holds a credential of its own, so counters never race.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { SignJWT } from "jose";
import { sql } from "kysely";
import { createLogger } from "../src/log.js";
import { openDatabase } from "../src/store/database.js";
import { migrateToLatest } from "../src/store/migrator.js";
import { defaultTenantId } from "../src/store/schema.js";
import { runChild } from "./child.js";
import { runLoad } from "./load.js";
import { benchOrigin, benchRpId } from "./protocol.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../test/harness/software-authenticator.js";

/** As Hanko's WebAuthn timeout (its policy) and the bench session lifetime. */
const ceremonyTimeoutMs = 60_000;
const sessionLifetime = 86_400;

runChild("login-baseline", async ({ databaseUrl, credentials: credentialCount }) => {
  const database = await openDatabase({ databaseUrl, dataDir: "memory://", logger: createLogger("error") });
  try {
    const { db } = database;
    await migrateToLatest(db);
    const tenantId = defaultTenantId;
    const user = await db.insertInto("users").values({ tenant_id: tenantId }).returning("id").executeTakeFirstOrThrow();
    const userHandle = Buffer.from(user.id.replaceAll("-", ""), "hex");
    const authenticator = new SoftwareAuthenticator(benchOrigin, benchRpId);
    const idle: SoftwareCredential[] = [];
    for (let i = 0; i < credentialCount; i++) {
      const { credential, cosePublicKey } = authenticator.newCredential(userHandle);
      await db
        .insertInto("webauthn_credentials")
        .values({
          tenant_id: tenantId,
          user_id: user.id,
          product: "hanko",
          credential_id: credential.id,
          public_key: cosePublicKey,
          sign_count: 0,
          transports: ["internal"],
          aaguid: "00000000-0000-0000-0000-000000000000",
          backed_up: false,
          name: null,
          last_used_at: null,
        })
        .execute();
      idle.push(credential);
    }
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = randomUUID();

    const iteration = async (credential: SoftwareCredential): Promise<void> => {
      // Initialize.
      const options = await generateAuthenticationOptions({ rpID: benchRpId, timeout: ceremonyTimeoutMs, userVerification: "preferred" });
      await db
        .insertInto("webauthn_challenges")
        .values({ tenant_id: tenantId, user_id: null, ceremony: "login", purpose: "hanko:login", challenge: options.challenge, expires_at: new Date(Date.now() + ceremonyTimeoutMs) })
        .execute();
      // The authenticator.
      const assertion = authenticator.get(credential, options.challenge, { withUserHandle: true });
      // Finalize.
      const stored = await db.selectFrom("webauthn_credentials").selectAll().where("tenant_id", "=", tenantId).where("credential_id", "=", Buffer.from(assertion.id, "base64url")).executeTakeFirst();
      const issued = await db
        .updateTable("webauthn_challenges")
        .set({ used_at: sql<Date>`now()` })
        .where("tenant_id", "=", tenantId)
        .where("challenge", "=", options.challenge)
        .where("ceremony", "=", "login")
        .where("purpose", "=", "hanko:login")
        .where("used_at", "is", null)
        .where("expires_at", ">", sql<Date>`now()`)
        .returning("user_id")
        .executeTakeFirst();
      if (stored === undefined || issued === undefined) throw new Error("credential or challenge not found");
      const storedCount = Number(stored.sign_count);
      const verification = await verifyAuthenticationResponse({
        response: { ...assertion, type: "public-key", clientExtensionResults: {} },
        expectedChallenge: options.challenge,
        expectedOrigin: [benchOrigin],
        expectedRPID: benchRpId,
        credential: { id: assertion.id, publicKey: new Uint8Array(stored.public_key), counter: storedCount, transports: ["internal"] },
        requireUserVerification: false,
      });
      const { newCounter } = verification.authenticationInfo;
      if (!verification.verified || newCounter <= storedCount) throw new Error("assertion did not verify");
      const updated = await db
        .updateTable("webauthn_credentials")
        .set({ sign_count: newCounter, last_used_at: sql<Date>`now()` })
        .where("id", "=", stored.id)
        .where("sign_count", "=", storedCount)
        .executeTakeFirst();
      if (updated.numUpdatedRows !== 1n) throw new Error("sign count changed under the login");
      const sessionId = randomUUID();
      const issuedAt = Math.floor(Date.now() / 1000);
      await db.insertInto("sessions").values({ id: sessionId, tenant_id: tenantId, user_id: stored.user_id, expires_at: new Date((issuedAt + sessionLifetime) * 1000) }).execute();
      await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setSubject(stored.user_id)
        .setJti(sessionId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + sessionLifetime)
        .sign(privateKey);
    };

    return {
      port: 0,
      async run({ concurrency, warmupMs, durationMs }) {
        let cpuStart = process.cpuUsage();
        let cpuMicros = NaN;
        const result = await runLoad(
          async () => {
            const credential = idle.pop();
            if (credential === undefined) throw new Error("no idle credential (more workers than credentials)");
            try {
              await iteration(credential);
            } finally {
              idle.push(credential);
            }
          },
          {
            concurrency,
            warmupMs,
            durationMs,
            onWindow(edge) {
              if (edge === "begin") cpuStart = process.cpuUsage();
              else {
                const used = process.cpuUsage(cpuStart);
                cpuMicros = used.user + used.system;
              }
            },
          },
        );
        return { requests: result.requests, errors: result.errors, firstError: result.firstError, seconds: result.seconds, latenciesMs: Array.from(result.latenciesMs), cpuMicros };
      },
      close: () => database.close(),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
});
