/** The signature algorithms Tessera signs with: RS256 for Hanko, EdDSA for Authentiq and the Authenticator API. */
export type SigningAlgorithm = "RS256" | "EdDSA";

/** A public JSON Web Key as published (RFC 7517 §4): never a private member. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: "sig";
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
}

/** A signing key as stored: its private part sealed by the secret box. */
export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: PublicJwk;
  sealedPrivateKey: Uint8Array;
}

/** Where the key service keeps one tenant's signing keys. */
export interface SigningKeyStore {
  /** The keys that are not retired, newest first. */
  listActive(): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  /** Marks a key retired; false when it was not active. */
  retire(kid: string): Promise<boolean>;
  /** Runs `work` in one transaction that no other replica's key creation runs beside. */
  exclusively<T>(work: (store: SigningKeyStore) => Promise<T>): Promise<T>;
}
