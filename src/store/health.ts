import { sql, type Kysely } from "kysely";
import type { Schema } from "./schema.js";

/** Resolves when the database answers a trivial query within `timeoutMs`, else rejects. */
export async function pingDatabase(db: Kysely<Schema>, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
