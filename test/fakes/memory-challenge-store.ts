import type { ChallengeKey, ChallengeLookup, ChallengeMessage, ChallengeStore, StoredChallenge } from "../../src/core/challenge/challenge.port.js";
import { memoryTransactions, type MemoryTransactions, type MemoryTx } from "./memory-transactions.js";

/** The challenge store's tables: the challenges by key (purpose, id), and the outbox its messages go to. */
export interface ChallengeTables {
  challenges: Map<string, StoredChallenge>;
  outbox: ChallengeMessage[];
}

/** Empty challenge tables, to start a fake's tables with (beside a product's own). */
export function challengeTables(): ChallengeTables {
  return { challenges: new Map(), outbox: [] };
}

/** A write the challenge mechanic asked of the store, in which unit of work and with which time. */
export interface ChallengeWrite<Tx> {
  op: "countWrong" | "close";
  key: ChallengeKey;
  at: Date;
  tx: Tx;
}

/** The fake's extras beside the port: what it wrote and queued, and a challenge as committed. */
export interface MemoryChallengeStore<Tables extends ChallengeTables = ChallengeTables> extends ChallengeStore<MemoryTx<Tables>> {
  /** Every countWrong and close, in order (those of rolled-back units of work too). */
  readonly writes: ChallengeWrite<MemoryTx<Tables>>[];
  /** The committed outbox: the messages of the challenges stored. */
  readonly messages: ChallengeMessage[];
  /** The challenge as committed now (a live row: a test may change it). */
  stored(key: ChallengeKey): StoredChallenge | undefined;
}

const nameOf = (key: ChallengeKey) => JSON.stringify([key.purpose, key.id]);
const sameBytes = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));
const isOpen = (row: StoredChallenge, at: Date) => row.closedAt === null && row.expiresAt.getTime() > at.getTime();

/**
 * The challenge store as src/store/challenge/challenge.store.ts keeps it, in memory: keyed by
 * (purpose, id); `replaceOpen` closes the subject's open challenges of the purpose; an id taken
 * by an open, unexpired challenge writes nothing more and answers undefined, a closed or
 * expired one is replaced; a subject's lookup finds its newest challenge not closed; countWrong
 * closes the challenge at `at` once it reaches its maximum. `database` holds the tables when a
 * product's fake writes in the same units of work (its own tables beside these).
 */
export function memoryChallengeStore<Tables extends ChallengeTables = ChallengeTables>(
  database: MemoryTransactions<Tables> = memoryTransactions(challengeTables()) as MemoryTransactions<Tables>,
): MemoryChallengeStore<Tables> {
  const writes: ChallengeWrite<MemoryTx<Tables>>[] = [];
  const select = (tables: Tables, lookup: ChallengeLookup): StoredChallenge | undefined => {
    if ("id" in lookup) return tables.challenges.get(nameOf(lookup));
    return newest([...tables.challenges.values()].filter((row) => row.purpose === lookup.purpose && row.closedAt === null && sameBytes(row.subject, lookup.subject)));
  };
  const selectOpen = (tables: Tables, lookup: ChallengeLookup, at: Date): StoredChallenge | undefined => {
    if ("id" in lookup) {
      const row = tables.challenges.get(nameOf(lookup));
      return row !== undefined && isOpen(row, at) ? row : undefined;
    }
    return newest([...tables.challenges.values()].filter((row) => row.purpose === lookup.purpose && isOpen(row, at) && sameBytes(row.subject, lookup.subject)));
  };
  const rowOf = (tx: MemoryTx<Tables>, key: ChallengeKey) => {
    const row = tx.tables.challenges.get(nameOf(key));
    if (row === undefined) throw new Error(`no challenge ${nameOf(key)}`);
    return row;
  };
  const copy = (row: StoredChallenge | undefined) => (row === undefined ? undefined : structuredClone(row));

  return {
    writes,
    get messages() {
      return database.committed.outbox;
    },
    stored: (key) => database.committed.challenges.get(nameOf(key)),

    insert: (challenge, options) =>
      database.run(async (tx) => {
        const { challenges, outbox } = tx.tables;
        if (options.replaceOpen && challenge.subject !== null) {
          for (const row of challenges.values()) if (row.purpose === challenge.purpose && row.closedAt === null && sameBytes(row.subject, challenge.subject)) row.closedAt = options.at;
        }
        const taken = challenges.get(nameOf(challenge));
        if (taken !== undefined && isOpen(taken, options.at)) return undefined;
        // A replaced id goes to the end, as a new row is the newest.
        challenges.delete(nameOf(challenge));
        const stored: StoredChallenge = { ...challenge, attempts: 0, closedAt: null, createdAt: options.at };
        challenges.set(nameOf(challenge), stored);
        await options.alongside?.(tx);
        if (options.message !== undefined) outbox.push(options.message);
        return copy(stored);
      }),
    withLocked: (lookup, work) => database.run((tx) => work(tx, copy(select(tx.tables, lookup)))),
    countWrong(tx, key, at) {
      writes.push({ op: "countWrong", key: { purpose: key.purpose, id: key.id }, at, tx });
      const row = rowOf(tx, key);
      row.attempts += 1;
      if (row.attempts >= row.maxAttempts) row.closedAt = at;
      return Promise.resolve(row.attempts);
    },
    close(tx, key, at) {
      writes.push({ op: "close", key: { purpose: key.purpose, id: key.id }, at, tx });
      rowOf(tx, key).closedAt = at;
      return Promise.resolve();
    },
    find: (lookup, openAt) => Promise.resolve(copy(openAt === undefined ? select(database.committed, lookup) : selectOpen(database.committed, lookup, openAt))),
    closeOpen: (lookup, at) =>
      database.run(async (tx) => {
        const row = selectOpen(tx.tables, lookup, at);
        if (row === undefined) return false;
        row.closedAt = at;
        return true;
      }),
  };
}

/** The newest of rows in the order they were stored: the last created, the later stored of a tie. */
function newest(rows: StoredChallenge[]): StoredChallenge | undefined {
  return rows.reduce<StoredChallenge | undefined>((latest, row) => (latest === undefined || row.createdAt.getTime() >= latest.createdAt.getTime() ? row : latest), undefined);
}
