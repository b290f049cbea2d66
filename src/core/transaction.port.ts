/**
 * Runs `work` in one transaction of the store: everything written through `tx` commits together,
 * or none of it does. `Tx` is the store's own transaction handle, which product services pass
 * through to the ports they call without looking inside.
 */
export type RunInTransaction<Tx> = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
