import type { Kysely } from "kysely";
import type { RunInTransaction } from "../core/transaction.port.js";
import type { Schema } from "./schema.js";

/** The store's transactions: Kysely ones, handed to the ports that write in them. */
export function transactionsOf(db: Kysely<Schema>): RunInTransaction<Kysely<Schema>> {
  return (work) => db.transaction().execute(work);
}
