import { type Kysely, type Selectable } from "kysely";
import type { ScopeJob, ScopeJobStore } from "../../products/authentiq/scope-job.port.js";
import type { AuthentiqScopeJobTable, Schema } from "../schema.js";

/** A scope job row. */
type ScopeJobRow = Selectable<AuthentiqScopeJobTable>;

/** The scope jobs of `tenantId`. */
export function createScopeJobStore(db: Kysely<Schema>, tenantId: string): ScopeJobStore<Kysely<Schema>> {
  const job = (row: ScopeJobRow | undefined): ScopeJob | undefined => (row === undefined ? undefined : toScopeJob(row));
  return {
    insert: (tx, newJob) => insertJob(tx, { tenantId, ...newJob }),
    findLive: async (jobHash, at) => job(await findLiveJob(db, tenantId, jobHash, at)),
    lockLive: async (tx, jobHash, at) => job(await findLiveJob(tx, tenantId, jobHash, at, true)),
    confirm: (jobHash) => confirmJob(db, jobHash),
    markSigned: (tx, jobHash, claims, jwt) => markJobSigned(tx, jobHash, claims, jwt),
    remove: (jobHash, at) => deleteJob(db, tenantId, jobHash, at),
  };
}

function toScopeJob(row: ScopeJobRow): ScopeJob {
  return { jobHash: row.job_hash, pk: row.pk, test: row.test, status: row.status, claims: JSON.parse(row.claims) as Record<string, unknown>, jwt: row.jwt };
}

/** Stores a new waiting job. */
async function insertJob(
  db: Kysely<Schema>,
  job: { jobHash: Uint8Array; tenantId: string; pk: string; test: boolean; addressHash: Uint8Array; claims: Record<string, unknown>; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto("authentiq_scope_jobs")
    .values({
      job_hash: job.jobHash,
      tenant_id: job.tenantId,
      pk: job.pk,
      test: job.test,
      address_hash: job.addressHash,
      claims: JSON.stringify(job.claims),
      status: "waiting",
      expires_at: job.expiresAt,
    })
    .execute();
}

/** The live job (not deleted, not expired at `now`), optionally locked for update. */
async function findLiveJob(db: Kysely<Schema>, tenantId: string, jobHash: Uint8Array, now: Date, lock = false): Promise<ScopeJobRow | undefined> {
  let query = db
    .selectFrom("authentiq_scope_jobs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("job_hash", "=", Buffer.from(jobHash))
    .where("deleted_at", "is", null)
    .where("expires_at", ">", now);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Moves a waiting job to confirmed (a confirmed or signed one stays as it is). */
async function confirmJob(db: Kysely<Schema>, jobHash: Uint8Array): Promise<void> {
  await db.updateTable("authentiq_scope_jobs").set({ status: "confirmed" }).where("job_hash", "=", Buffer.from(jobHash)).where("status", "=", "waiting").execute();
}

/** Records the signed claims and JWT. */
async function markJobSigned(db: Kysely<Schema>, jobHash: Uint8Array, claims: Record<string, unknown>, jwt: string): Promise<void> {
  await db.updateTable("authentiq_scope_jobs").set({ status: "ready", claims: JSON.stringify(claims), jwt }).where("job_hash", "=", Buffer.from(jobHash)).execute();
}

/** Deletes a job for every method; false when it was not live. */
async function deleteJob(db: Kysely<Schema>, tenantId: string, jobHash: Uint8Array, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("authentiq_scope_jobs")
    .set({ deleted_at: now, jwt: null })
    .where("tenant_id", "=", tenantId)
    .where("job_hash", "=", Buffer.from(jobHash))
    .where("deleted_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
