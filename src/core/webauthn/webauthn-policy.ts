import type { AuthenticatorSelectionCriteria } from "@simplewebauthn/server";
import type { DomainError } from "../errors/domain-error.js";
import type { Ceremony, UserVerification } from "./challenge.port.js";

/** The attestation a registration asks for (WebAuthn level 3 §5.4.7) that @simplewebauthn/server generates. */
export type Attestation = "none" | "direct" | "enterprise";

/** Why the ceremony refused a step. */
export type WebauthnFailureKind =
  /** The response cannot be read (no clientDataJSON challenge, members missing or not base64url). */
  | "malformed"
  /** The challenge was never issued for this tenant and purpose, or was used already. */
  | "challenge_unknown"
  /** The challenge outlived its ceremony's timeout unused. */
  | "challenge_expired"
  /** The challenge was issued for another user than the one finishing the ceremony. */
  | "user_mismatch"
  /** Login options for a user with no credential. */
  | "no_credentials"
  /** No such credential at this tenant, or not one of the user the challenge was issued for. */
  | "credential_unknown"
  /** A discoverable credential named another user than its owner. */
  | "user_handle"
  /** The attestation or assertion does not verify. */
  | "signature"
  /** The sign count did not grow (a cloned authenticator, WebAuthn level 3 §6.1.1). */
  | "counter"
  /** The user holds as many credentials as the policy allows. */
  | "credential_limit"
  /** The credential is registered already. */
  | "credential_exists";

/** A refusal, as the product's policy turns it into its reason. */
export interface WebauthnFailure {
  ceremony: Ceremony;
  kind: WebauthnFailureKind;
  /** The attestation format, for a registration whose attestation did not verify. */
  format?: string;
  cause?: unknown;
}

/** How one product runs the WebAuthn ceremony: data, apart from turning failures into its reasons. */
export interface WebauthnPolicy {
  /** Names the product in challenges: a challenge one product issued is no use to another. */
  product: string;
  /** Milliseconds a ceremony may take; its challenge expires with it. */
  timeoutMs: number;
  /** Credentials one user may hold (of the products `credentials.lists` names). */
  maxCredentialsPerUser: number;
  /**
   * Whose credentials the product sees, by the product that registered them: products share a
   * tenant's users and credentials, and one product's credential (an Authenticator device that is
   * a user's only second factor) must not be listed, used or deleted through another.
   */
  credentials: {
    /** Listed, counted against the cap, excluded at registration and allowed in login options. */
    lists: readonly string[];
    /** Accepted at login. */
    logsInWith: readonly string[];
    /** Renamed and deleted through the product. */
    manages: readonly string[];
  };
  /** What registration asks for when a call does not say. */
  registration: {
    /** The attestation conveyance asked for; `indirect` is served as `direct`. */
    attestation: Attestation;
    authenticatorSelection: AuthenticatorSelectionCriteria;
    /** COSE algorithm ids, preferred first; the library's when unset. */
    algorithms?: number[];
  };
  /** The `userVerification` of login options when a call does not say. */
  loginUserVerification: UserVerification;
  /** The product's error for a refusal. */
  refuse(failure: WebauthnFailure): DomainError;
}
