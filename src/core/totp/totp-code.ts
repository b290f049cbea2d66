import type { Clock } from "../clock.js";
import { matchTotpStep } from "./totp.js";
import type { UsedTotpSteps } from "./used-step.port.js";

/** A TOTP code given for a secret's holder, checked at the clock's time. */
export interface TotpCodeUse {
  /** The secret, base32 as the authenticator app holds it. */
  secret: string;
  code: string;
  /** Whose secret it is, as the store of used steps names them. */
  holder: string;
  steps: UsedTotpSteps;
  clock: Clock;
}

/**
 * Accepts a TOTP code once: it must match a step of the secret (RFC 6238, one step of drift)
 * later than every step accepted before, and that step is recorded as used in the same
 * statement that checks it, so the same code (or an older one) never passes twice, even when
 * two requests carry it at once. The accepted step, or undefined.
 */
export async function useTotpCode(use: TotpCodeUse): Promise<number | undefined> {
  const step = matchTotpStep(use.secret, use.code, use.clock.now().getTime());
  if (step === undefined) return undefined;
  return (await use.steps.claim(use.holder, step)) ? step : undefined;
}
