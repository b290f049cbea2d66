import { authenticator } from "otplib";
import { describe, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import { useTotpCode } from "./totp-code.js";
import type { UsedTotpSteps } from "./used-step.port.js";

// "12345678901234567890" in base32: RFC 6238 appendix B's SHA-1 secret.
const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const stepMs = 30_000;

/** Used steps in memory, with the store's rule: a step counts when it is later than the last. */
function memorySteps(): UsedTotpSteps & { last: Map<string, number> } {
  const last = new Map<string, number>();
  return {
    last,
    async claim(holder, step) {
      if ((last.get(holder) ?? -1) >= step) return false;
      last.set(holder, step);
      return true;
    },
  };
}

const codeAt = (ms: number) => authenticator.clone({ epoch: ms, step: 30, digits: 6 }).generate(secret);

describe("useTotpCode", () => {
  const start = 1_111_111_111_000;
  let at = start;
  const clock: Clock = { now: () => new Date(at) };

  it("accepts a code of the current step once, and records the step", async () => {
    at = start;
    const steps = memorySteps();
    const code = codeAt(at);
    expect(await useTotpCode({ secret, code, holder: "alice", steps, clock })).toBe(Math.floor(at / stepMs));
    expect(steps.last.get("alice")).toBe(Math.floor(at / stepMs));
    // Replay: the same code again, within its step or the next (drift), is refused.
    expect(await useTotpCode({ secret, code, holder: "alice", steps, clock })).toBeUndefined();
    at += stepMs;
    expect(await useTotpCode({ secret, code, holder: "alice", steps, clock })).toBeUndefined();
  });

  // A code seen once (shoulder-surfed, logged) must not pass after a newer one was used.
  it("refuses an older step's code after a later step was used", async () => {
    at = start;
    const steps = memorySteps();
    const older = codeAt(at - stepMs);
    expect(await useTotpCode({ secret, code: codeAt(at), holder: "alice", steps, clock })).toBeDefined();
    expect(await useTotpCode({ secret, code: older, holder: "alice", steps, clock })).toBeUndefined();
  });

  it("keeps each holder's steps apart", async () => {
    at = start;
    const steps = memorySteps();
    const code = codeAt(at);
    expect(await useTotpCode({ secret, code, holder: "alice", steps, clock })).toBeDefined();
    expect(await useTotpCode({ secret, code, holder: "bob", steps, clock })).toBeDefined();
  });

  it("refuses a wrong code without recording a step", async () => {
    at = start;
    const steps = memorySteps();
    const wrong = codeAt(at).replace(/^./, (digit) => String((Number(digit) + 1) % 10));
    expect(await useTotpCode({ secret, code: wrong, holder: "alice", steps, clock })).toBeUndefined();
    expect(steps.last.size).toBe(0);
  });

  it("accepts the next step's code once the clock reaches it", async () => {
    at = start;
    const steps = memorySteps();
    expect(await useTotpCode({ secret, code: codeAt(at), holder: "alice", steps, clock })).toBeDefined();
    at += stepMs;
    expect(await useTotpCode({ secret, code: codeAt(at), holder: "alice", steps, clock })).toBe(Math.floor(at / stepMs));
  });
});
