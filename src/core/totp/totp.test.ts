import { describe, expect, it } from "vitest";
import { matchTotpStep, newTotpSecret, totpUri } from "./totp.js";

// "12345678901234567890" in base32: RFC 6238 appendix B's SHA-1 secret.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("TOTP", () => {
  it("matches RFC 6238 appendix B (SHA-1, last 6 of the 8 digits) at their times", () => {
    const vectors: Array<[number, string]> = [
      [59, "287082"],
      [1111111109, "081804"],
      [1111111111, "050471"],
      [1234567890, "005924"],
      [2000000000, "279037"],
    ];
    for (const [seconds, code] of vectors) expect(matchTotpStep(rfcSecret, code, seconds * 1000), String(seconds)).toBe(Math.floor(seconds / 30));
  });

  it("accepts one step of drift either side and no more", () => {
    const at = 1111111111 * 1000;
    expect(matchTotpStep(rfcSecret, "050471", at + 30_000)).toBe(Math.floor(1111111111 / 30));
    expect(matchTotpStep(rfcSecret, "050471", at - 30_000)).toBe(Math.floor(1111111111 / 30));
    expect(matchTotpStep(rfcSecret, "050471", at + 60_000)).toBeUndefined();
    expect(matchTotpStep(rfcSecret, "05047", at)).toBeUndefined();
    expect(matchTotpStep(rfcSecret, "o50471", at)).toBeUndefined();
  });

  it("makes 160-bit base32 secrets and Key Uri Format URIs", () => {
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpUri("", "test@test.com", "ABC")).toBe("otpauth://totp/:test@test.com?secret=ABC&issuer=&algorithm=SHA1&digits=6&period=30");
    expect(totpUri("My Co", "a b", "ABC")).toBe("otpauth://totp/My%20Co:a%20b?secret=ABC&issuer=My%20Co&algorithm=SHA1&digits=6&period=30");
  });
});
