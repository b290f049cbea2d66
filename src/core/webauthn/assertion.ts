import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Kysely } from "kysely";
import type { Schema } from "../../store/schema.js";
import { recordLogin, type CredentialRow } from "../../store/webauthn/webauthn.store.js";

/** The relying party, from `RP_ID`, `RP_NAME` and `ORIGIN`. */
export interface RelyingPartyConfig {
  id: string;
  name: string;
  origins: string[];
}

/** What checking an assertion gave: the new sign count, or a refusal and why. */
export type AssertionOutcome = { verified: true; newCounter: number } | { verified: false; cause?: unknown };

/**
 * Verifies an assertion (WebAuthn level 3 §7.2) made with a stored credential against an
 * issued challenge and records the new sign count. Refuses a signature that does not verify
 * and a counter that did not grow (a cloned authenticator, §6.1.1); two logins racing with one
 * assertion cannot both pass.
 */
export async function verifyAssertion(
  db: Kysely<Schema>,
  rp: RelyingPartyConfig,
  credential: CredentialRow,
  response: AuthenticationResponseJSON,
  options: { challenge: string; credentialId: string; requireUserVerification: boolean },
): Promise<AssertionOutcome> {
  const storedCount = Number(credential.sign_count);
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: { id: options.credentialId, publicKey: new Uint8Array(credential.public_key), counter: storedCount, transports: credential.transports as never },
      requireUserVerification: options.requireUserVerification,
    });
  } catch (cause) {
    return { verified: false, cause };
  }
  const { newCounter } = verification.authenticationInfo;
  if (!verification.verified || ((newCounter > 0 || storedCount > 0) && newCounter <= storedCount)) return { verified: false };
  if (!(await recordLogin(db, credential.id, storedCount, newCounter))) return { verified: false };
  return { verified: true, newCounter };
}
