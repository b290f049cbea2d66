import { describe, expect, it } from "vitest";
import { normalizePhone } from "./phone-number.js";

describe("normalizePhone", () => {
  it.each([
    ["+44 7700 900123", "+447700900123"],
    ["(415) 555-0100", "+4155550100"],
    ["+1.415.555.0100", "+14155550100"],
    ["4915112345678", "+4915112345678"],
  ])("normalises %s to %s", (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each(["", "12", "+0123456789", "call me", "+1234567890123456", "++441234567"])("refuses %j with INVALID_PHONE", (input) => {
    expect(() => normalizePhone(input)).toThrow(expect.objectContaining({ reason: "INVALID_PHONE", kind: "invalid" }));
  });
});
