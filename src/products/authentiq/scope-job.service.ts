import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { AuthentiqKeyService } from "./key.service.js";
import { optionalClaim, requiredClaim, verifySelfSigned } from "./self-signed-jwt.js";
import type { Outbox } from "../../delivery/outbox.port.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { normalizeEmail } from "../../core/identity/email-address.js";
import { normalizePhone } from "../../core/identity/phone-number.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Issuer } from "./issuer.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import { authentiqLimits } from "./policy.js";
import type { ScopeJob, ScopeJobStatus, ScopeJobStore } from "./scope-job.port.js";

/** A job lives 15 minutes from its request. */
export const scopeJobTtlSeconds = 15 * 60;

/** A job as its owner sees it. */
export interface ScopeJobView {
  status: ScopeJobStatus;
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

/** Creates the service over one tenant's scope jobs and outbox. */
export function createScopeJobService<Tx>(deps: {
  jobs: ScopeJobStore<Tx>;
  outbox: Outbox<Tx>;
  transaction: RunInTransaction<Tx>;
  secrets: SecretBox;
  keys: AuthentiqKeyService;
  issuer: Issuer;
  limits: Limiter;
  nudgeOutbox: () => void;
  clock: Clock;
}): ScopeJobService {
  const { jobs, outbox, transaction, secrets } = deps;
  const now = () => deps.clock.now().getTime();
  const jobHash = (job: string): Buffer => {
    if (!/^[A-Za-z0-9_-]{20}$/.test(job)) throw unknownJob();
    return secrets.hash(job, "authentiq:scope-job");
  };
  /** The live job; locked for the rest of `tx` when given. */
  const requireJob = async (job: string, tx?: Tx): Promise<ScopeJob> => {
    const at = new Date(now());
    const found = tx === undefined ? await jobs.findLive(jobHash(job), at) : await jobs.lockLive(tx, jobHash(job), at);
    if (found === undefined) throw unknownJob();
    return found;
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
      await transaction(async (tx) => {
        const expiresAt = new Date(now() + scopeJobTtlSeconds * 1000);
        await jobs.insert(tx, { jobHash: jobHash(job), pk: verified.sub, test, addressHash, claims, expiresAt });
        const text = `Confirm that ${email ?? phone} is yours to verify it for your Authentiq ID (job ${job}). If you did not ask for it, ignore this message.`;
        if (email !== undefined) await outbox.enqueue({ channel: "email", recipient: email, subject: "Confirm your email address", body: text, expiresAt }, tx);
        else if (phone !== undefined) await outbox.enqueue({ channel: "sms", recipient: phone, body: text, expiresAt }, tx);
      });
      if (email !== undefined || phone !== undefined) deps.nudgeOutbox();
      return { job, status: "waiting" };
    },
    async get(job) {
      const found = await requireJob(job);
      const signed = found.status === "ready";
      return { status: found.status, signed, claims: signed ? found.claims : undefined, jwt: found.jwt ?? "" };
    },
    async confirm(job, body) {
      if (body !== "") throw new DomainError("NOT_SUPPORTED", "invalid", "a JWT cannot be POSTed to a scope job: POST with no body confirms it");
      const found = await requireJob(job);
      await jobs.confirm(found.jobHash);
      return { status: "confirmed" };
    },
    async sign(job) {
      const found = await requireJob(job);
      if (found.status === "waiting") throw new DomainError("CONFIRM_FIRST", "precondition", "the job is not confirmed yet");
      if (found.jwt !== null) return { status: "ready" as const, jwt: found.jwt };
      // A key revoked since it asked (by its owner or the operator) gets nothing signed for it.
      await deps.keys.requireLive(found.pk);
      // Sign before the transaction: loading the issuer key must not wait on the row lock.
      const signed = await deps.issuer.sign(found.claims, found.test);
      return transaction(async (tx) => {
        const locked = await requireJob(job, tx);
        // A concurrent sign won the race: answer its JWT, so a job is signed once.
        if (locked.jwt !== null) return { status: "ready" as const, jwt: locked.jwt };
        await jobs.markSigned(tx, locked.jobHash, signed.claims, signed.jwt);
        return { status: "ready" as const, jwt: signed.jwt };
      });
    },
    async remove(job) {
      if (!(await jobs.remove(jobHash(job), new Date(now())))) throw unknownJob();
      return { status: "done" };
    },
  };
}

function unknownJob(): DomainError {
  return new DomainError("UNKNOWN_JOB", "not_found", "no such job");
}
