import type { Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// Third-party (OAuth / OpenID Connect) and SAML login state.

/** Third-party and SAML login states: the state as HMAC, the PKCE verifier sealed, single use. */
export interface ThirdPartyStateTable {
  id: Generated<string>;
  tenant_id: string;
  state_hash: Uint8Array;
  protocol: "oauth" | "saml";
  /** The OAuth provider's name, or the SAML domain. */
  provider: string;
  redirect_to: string;
  /** The PKCE code verifier, AES-256-GCM sealed; null for SAML. */
  code_verifier: Uint8Array | null;
  /** The OpenID Connect nonce; null for plain OAuth and SAML. */
  nonce: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
}
/** SAML AuthnRequest ids awaiting a response (checked against InResponseTo, then deleted). */
export interface SamlRequestTable {
  tenant_id: string;
  request_id: string;
  issued_at: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}
/** Ids of SAML assertions already accepted: the same assertion never logs in twice. */
export interface SamlAssertionTable {
  tenant_id: string;
  assertion_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}
