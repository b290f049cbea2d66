import { sql, type Kysely, type Selectable } from "kysely";
import type { Schema } from "./schema.js";

/** The tables of single-use secrets: a row is taken once (`used_at`) and answers until `expires_at`. */
type SingleUseTable = { [T in keyof Schema]: Schema[T] extends { tenant_id: unknown; used_at: unknown; expires_at: unknown } ? T : never }[keyof Schema];

/** What taking a row gave: its columns asked for, or why there was none to take. */
export type Taken<Row> = { row: Row } | { refused: "unknown" | "expired" };

/**
 * Takes the unused row of `table` that `match` names (with the tenant among its columns), in one
 * statement: marked used at `at`, so that of concurrent takers exactly one gets it. A row past
 * its expiry at `at` is used up all the same and refused `expired`; none unused is `unknown`.
 */
export async function takeOnce<T extends SingleUseTable, C extends keyof Selectable<Schema[T]> & string>(
  db: Kysely<Schema>,
  table: T,
  match: { tenant_id: string } & Partial<Record<keyof Selectable<Schema[T]> & string, unknown>>,
  at: Date,
  columns: readonly C[],
): Promise<Taken<Pick<Selectable<Schema[T]>, C>>> {
  const conditions = Object.entries(match).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  const { rows } = await sql<Pick<Selectable<Schema[T]>, C> & { expires_at: Date }>`
    update ${sql.table(table)} set used_at = ${at}
    where ${sql.join(conditions, sql` and `)} and used_at is null
    returning ${sql.join([...columns, "expires_at"].map((column) => sql.ref(column)))}`.execute(db);
  const row = rows[0];
  if (row === undefined) return { refused: "unknown" };
  if (new Date(row.expires_at).getTime() <= at.getTime()) return { refused: "expired" };
  return { row };
}
