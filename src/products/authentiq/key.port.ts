/** An Authentiq key (seed 000 `Key`): an Ed25519 public key a device registered. */
export interface AuthentiqKey {
  /** The 43-character base64url public key: the key's id and its `sub`. */
  pk: string;
  /** Where pushes for this key go; null until the device gave one. */
  devtoken: string | null;
  /** The keyed hash of the revocation secret handed out at registration. */
  secretHash: Uint8Array;
  createdAt: Date;
  revoked: boolean;
}

/** The keyed hashes of the email address and phone number bound to a key. */
export interface ContactHashes {
  email: Uint8Array;
  phone: Uint8Array;
}

/** Where the key service keeps one tenant's Authentiq keys. */
export interface AuthentiqKeyStore {
  /** The key `pk`, revoked or not. */
  find(pk: string): Promise<AuthentiqKey | undefined>;
  /** Stores a new key and runs `then` (its audit record) in the same transaction; false, with `then` not run, when the tenant already has it. */
  insert(key: { pk: string; devtoken: string; secretHash: Uint8Array }, then: (tx: unknown) => Promise<void>): Promise<boolean>;
  /** Sets the device token of a live key; false when the key is not live. */
  updateDevtoken(pk: string, devtoken: string): Promise<boolean>;
  /** Binds the hashes to a live key; false when another live key holds the same pair. */
  bindContact(pk: string, hashes: ContactHashes): Promise<boolean>;
  /** Revokes a live key and runs `then` (its audit record) in the same transaction; false, with `then` not run, when it was not live. */
  revoke(pk: string, then: (tx: unknown) => Promise<void>): Promise<boolean>;
}

/**
 * The keys a revocation by contact finds and revokes, in one tenant. `Tx` is the store's
 * transaction: the key is revoked in the one that uses up the revocation code.
 */
export interface KeyRevocationStore<Tx> {
  /** The live key bound to the pair of hashes. */
  findLiveByContact(hashes: ContactHashes): Promise<AuthentiqKey | undefined>;
  /** Revokes a live key in `tx`; false when it was not live. */
  revokeIn(tx: Tx, pk: string): Promise<boolean>;
}
