/** One readiness check: resolves when its part is ready, rejects with why not. */
export type ReadinessCheck = () => Promise<void>;

/** What `/health/ready` and `grpc.health.v1` look at. */
export interface ReadinessChecks {
  /** The database answers a trivial query. */
  database: ReadinessCheck;
  /** Every migration this build knows has run. */
  migrations: ReadinessCheck;
  /** Signing keys for every algorithm are loaded (from the key service's cache once loaded). */
  keys: ReadinessCheck;
}

/** The readiness of the server: `ok` per check, or the sentence that says why not. */
export interface Readiness {
  ready: boolean;
  checks: Record<keyof ReadinessChecks, string>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, and never throws: a check that fails or
 * does not answer in time is reported by its message. The migrations check queries the database,
 * so it fails with it; the keys check reads the key service's cache, so once the keys have loaded
 * it stays `ok` while the database is down (the server can still sign with them).
 */
export async function checkReadiness(checks: ReadinessChecks, timeoutMs: number): Promise<Readiness> {
  const names = Object.keys(checks) as Array<keyof ReadinessChecks>;
  const results = await Promise.all(names.map((name) => bounded(checks[name], timeoutMs, name)));
  const out = {} as Record<keyof ReadinessChecks, string>;
  names.forEach((name, index) => (out[name] = results[index]!));
  return { ready: results.every((result) => result === "ok"), checks: out };
}

async function bounded(check: ReadinessCheck, timeoutMs: number, name: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${name} check did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check().then(
        () => "ok",
        (error: unknown) => (error instanceof Error ? error.message : String(error)) || "failed",
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
