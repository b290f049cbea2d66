import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { AuthentiqKeyService } from "./key.service.js";
import { optionalClaim, requiredClaim, verifySelfSigned } from "./self-signed-jwt.js";
import { enqueueMessage } from "../../delivery/outbox.store.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { normalizeEmail } from "../../core/identity/email-address.js";
import { normalizePhone } from "../../core/identity/phone-number.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Schema } from "../../store/schema.js";
import type { Issuer } from "./issuer.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import { authentiqLimits } from "./policy.js";
import { confirmJob, deleteJob, findLiveJob, insertJob, markJobSigned, type ScopeJobRow } from "../../store/authentiq/scope-job.store.js";

/** A job lives 15 minutes from its request. */
export const scopeJobTtlSeconds = 15 * 60;

/** A job as its owner sees it. */
export interface ScopeJobView {
  status: ScopeJobRow["status"];
  signed: boolean;
  claims: Record<string, unknown> | undefined;
  jwt: string;
}

/** Authentiq scope verification jobs (seed 000 `/scope`, `/scope/{job}`). */
export interface ScopeJobService {
  /** Opens a job for a self-signed Claims JWT. Throws INVALID_JWT, INVALID_EMAIL, INVALID_PHONE, AUTH_ERROR, UNKNOWN_KEY, REVOKED_KEY, RATE_LIMIT. */
  create(jwt: string, test: boolean): Promise<{ job: string; status: "waiting" }>;
  /** The job's state. Throws UNKNOWN_JOB. */
  get(job: string): Promise<ScopeJobView>;
  /** Confirms the job; `body` must be empty. Throws NOT_SUPPORTED, UNKNOWN_JOB. */
  confirm(job: string, body: string): Promise<{ status: "confirmed" }>;
  /** Has the issuer sign the confirmed claims. Throws UNKNOWN_JOB, CONFIRM_FIRST. */
  sign(job: string): Promise<{ status: "ready"; jwt: string }>;
  /** Deletes the job. Throws UNKNOWN_JOB. */
  remove(job: string): Promise<{ status: "done" }>;
}

/** Creates the service. */
export function createScopeJobService(deps: {
  db: Kysely<Schema>;
  secrets: SecretBox;
  tenantId: string;
  keys: AuthentiqKeyService;
  issuer: Issuer;
  limits: Limiter;
  nudgeOutbox: () => void;
  now?: () => number;
}): ScopeJobService {
  const { db, secrets, tenantId } = deps;
  const now = deps.now ?? Date.now;
  const jobHash = (job: string): Buffer => {
    if (!/^[A-Za-z0-9_-]{20}$/.test(job)) throw unknownJob();
    return secrets.hash(job, "authentiq:scope-job");
  };
  const requireJob = async (executor: Kysely<Schema>, job: string, lock = false): Promise<ScopeJobRow> => {
    const row = await findLiveJob(executor, tenantId, jobHash(job), new Date(now()), lock);
    if (row === undefined) throw unknownJob();
    return row;
  };

  return {
    async create(jwt, test) {
      const verified = await verifySelfSigned(jwt, now);
      const scope = requiredClaim(verified, "scope");
      const words = new Set(scope.split(/\s+/));
      const emailClaim = optionalClaim(verified, "email");
      const phoneClaim = optionalClaim(verified, "phone");
      if (words.has("email") && emailClaim === undefined) throw new DomainError("INVALID_JWT", "invalid", "the scope names email: the JWT needs `email`");
      if (words.has("phone") && phoneClaim === undefined) throw new DomainError("INVALID_JWT", "invalid", "the scope names phone: the JWT needs `phone`");
      const email = emailClaim === undefined ? undefined : normalizeEmail(emailClaim);
      const phone = phoneClaim === undefined ? undefined : normalizePhone(phoneClaim);
      const type = optionalClaim(verified, "type");
      await deps.keys.requireLive(verified.sub);

      // Only the members the issuer vouches for are kept: it never signs what it did not check.
      const claims: Record<string, unknown> = { sub: verified.sub, scope, ...(email && { email }), ...(phone && { phone }), ...(type && { type }) };
      const address = email ?? phone ?? verified.sub;
      const addressHash = secrets.hash(address, "authentiq:scope-address");
      const job = randomBytes(15).toString("base64url");
      await deps.limits.enforce(["address", address], authentiqLimits.scopeRequest);
      await db.transaction().execute(async (tx) => {
        const expiresAt = new Date(now() + scopeJobTtlSeconds * 1000);
        await insertJob(tx, { jobHash: jobHash(job), tenantId, pk: verified.sub, test, addressHash, claims, expiresAt });
        const text = `Confirm that ${email ?? phone} is yours to verify it for your Authentiq ID (job ${job}). If you did not ask for it, ignore this message.`;
        if (email !== undefined) await enqueueMessage(tx, { tenantId, channel: "email", recipient: email, subject: "Confirm your email address", body: text, expiresAt });
        else if (phone !== undefined) await enqueueMessage(tx, { tenantId, channel: "sms", recipient: phone, body: text, expiresAt });
      });
      if (email !== undefined || phone !== undefined) deps.nudgeOutbox();
      return { job, status: "waiting" };
    },
    async get(job) {
      const row = await requireJob(db, job);
      const signed = row.status === "ready";
      return { status: row.status, signed, claims: signed ? (JSON.parse(row.claims) as Record<string, unknown>) : undefined, jwt: row.jwt ?? "" };
    },
    async confirm(job, body) {
      if (body !== "") throw new DomainError("NOT_SUPPORTED", "invalid", "a JWT cannot be POSTed to a scope job: POST with no body confirms it");
      const row = await requireJob(db, job);
      await confirmJob(db, row.job_hash);
      return { status: "confirmed" };
    },
    async sign(job) {
      const row = await requireJob(db, job);
      if (row.status === "waiting") throw new DomainError("CONFIRM_FIRST", "precondition", "the job is not confirmed yet");
      if (row.jwt !== null) return { status: "ready" as const, jwt: row.jwt };
      // Sign before the transaction: loading the issuer key must not wait on the row lock.
      const signed = await deps.issuer.sign(JSON.parse(row.claims) as Record<string, unknown>, row.test);
      return db.transaction().execute(async (tx) => {
        const locked = await requireJob(tx, job, true);
        // A concurrent sign won the race: answer its JWT, so a job is signed once.
        if (locked.jwt !== null) return { status: "ready" as const, jwt: locked.jwt };
        await markJobSigned(tx, locked.job_hash, signed.claims, signed.jwt);
        return { status: "ready" as const, jwt: signed.jwt };
      });
    },
    async remove(job) {
      if (!(await deleteJob(db, tenantId, jobHash(job), new Date(now())))) throw unknownJob();
      return { status: "done" };
    },
  };
}

function unknownJob(): DomainError {
  return new DomainError("UNKNOWN_JOB", "not_found", "no such job");
}
