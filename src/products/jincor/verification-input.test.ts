import { describe, expect, it } from "vitest";
import { codeAlphabet, generateCode, parseLifetime, renderTemplate, requireMethod } from "./verification-input.js";

describe("verification input", () => {
  it("reads HH:MM:SS lifetimes and refuses anything else", () => {
    expect(parseLifetime("01:00:00")).toBe(3600);
    expect(parseLifetime("00:00:01")).toBe(1);
    expect(parseLifetime("99:59:59")).toBe(359999);
    for (const bad of ["", "1:0:0", "00:60:00", "00:00:60", "00:00:00", "01:00", "-1:00:00", "01:00:00 ", "100:00:00"]) expect(parseLifetime(bad), bad).toBeUndefined();
  });

  it("builds code alphabets from named and literal sets, without duplicates", () => {
    expect(codeAlphabet(["DIGITS"])).toBe("0123456789");
    expect(codeAlphabet(["alphas", "ALPHAS"])).toBe("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    expect(codeAlphabet(["DIGITS", "0a"])).toBe("0123456789a");
    expect(codeAlphabet([])).toEqual({ error: expect.any(String) });
    expect(codeAlphabet(["DIGITS", ""])).toEqual({ error: expect.any(String) });
  });

  it("generates codes of the asked length from the alphabet only", () => {
    const code = generateCode("ab", 64);
    expect(code).toMatch(/^[ab]{64}$/);
    expect(new Set(code).size).toBe(2);
  });

  it("substitutes the code and id literally, and appends the code when the body has no placeholder", () => {
    expect(renderTemplate("c={{{CODE}}}&v={{{VERIFICATION_ID}}}&c2={{{CODE}}}", "$&x", "id-1")).toBe("c=$&x&v=id-1&c2=$&x");
    expect(renderTemplate("Your code:", "123", "id-1")).toBe("Your code: 123");
    expect(renderTemplate("{{{CODE}}}", "{{{VERIFICATION_ID}}}", "id-1")).toBe("{{{VERIFICATION_ID}}}");
  });

  it("knows email, phone and google_auth only", () => {
    expect(requireMethod("google_auth")).toBe("google_auth");
    expect(() => requireMethod("sms")).toThrow(expect.objectContaining({ reason: "METHOD_NOT_SUPPORTED", kind: "not_found" }));
  });
});
