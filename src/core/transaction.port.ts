/**
 * Runs `work` in one transaction of the store: everything written through `tx` commits together,
 * or none of it does. `Tx` is the store's own transaction handle, which product services pass
 * through to the ports they call without looking inside.
 */
export type RunInTransaction<Tx> = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

/**
 * What a port method runs in the transaction of its act once the act is done (the act's audit
 * record): the act and it commit together, and its failure rolls the act back.
 */
export type InSameTransaction<Tx> = (tx: Tx) => Promise<void>;
