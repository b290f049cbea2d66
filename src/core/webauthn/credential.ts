import type { WebauthnTransport } from "./transports.js";

/** A stored WebAuthn credential (a passkey or security key) of a user (WebAuthn level 3 §4, "Credential Record"). */
export interface WebauthnCredential {
  /** The row's own id. */
  id: string;
  tenantId: string;
  userId: string;
  /** The product that registered it (its policy's `product`): products sharing a tenant see only the credentials their policy names. */
  product: string;
  /** The credential id, base64url. */
  credentialId: string;
  /** The COSE public key. */
  publicKey: Uint8Array;
  signCount: number;
  transports: WebauthnTransport[];
  aaguid: string | null;
  backedUp: boolean;
  /** An imported credential's user handle (base64url) when it is not the user's UUID; null otherwise. */
  userHandle?: string | null;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** When the name or the sign count last changed. */
  updatedAt: Date;
}

/** A credential an attestation verified, not yet stored. */
export interface NewCredential {
  userId: string;
  /** The product registering it. */
  product: string;
  /** base64url. */
  credentialId: string;
  publicKey: Uint8Array;
  signCount: number;
  transports: readonly string[];
  aaguid: string;
  backedUp: boolean;
}
