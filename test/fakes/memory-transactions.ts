/** A unit of work of the in-memory fakes: which one it is, and the draft of the tables it writes. */
export interface MemoryTx<Tables> {
  serial: number;
  tables: Tables;
}

/** Tables in memory with transactions, as the unit-test fakes of the store ports share them. */
export interface MemoryTransactions<Tables> {
  /** The tables as committed now (a test may read and arrange them between units of work). */
  readonly committed: Tables;
  /** Runs `work` on a copy of the committed tables, kept only when the work does not throw. */
  run<T>(work: (tx: MemoryTx<Tables>) => Promise<T>): Promise<T>;
}

/**
 * Tables held in memory: a unit of work writes a deep copy (structuredClone keeps Dates, Maps
 * and byte arrays) that replaces the committed tables when it returns, and is dropped when it
 * throws, as a rollback drops a transaction's writes. Units of work run one after another in
 * the tests that use it; two at once would each commit their own copy.
 */
export function memoryTransactions<Tables>(initial: Tables): MemoryTransactions<Tables> {
  let committed = initial;
  let serial = 0;
  return {
    get committed() {
      return committed;
    },
    async run(work) {
      const tx = { serial: ++serial, tables: structuredClone(committed) };
      const result = await work(tx);
      committed = tx.tables;
      return result;
    },
  };
}
