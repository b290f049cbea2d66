import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "./secret-box.js";

describe("the secret box", () => {
  const box = createSecretBox(randomBytes(32));

  it("decrypts what it encrypted, only with the same context", () => {
    const sealed = box.encrypt(Buffer.from("totp secret"), "row-1");
    expect(sealed.includes(Buffer.from("totp secret"))).toBe(false);
    expect(box.decrypt(sealed, "row-1").toString()).toBe("totp secret");
    expect(() => box.decrypt(sealed, "row-2")).toThrow();
  });

  // A flipped bit in a stored secret must be detected, not decrypted to garbage.
  it("refuses a tampered ciphertext", () => {
    const sealed = box.encrypt(Buffer.from("secret"), "ctx");
    sealed[sealed.length - 1]! ^= 1;
    expect(() => box.decrypt(sealed, "ctx")).toThrow();
  });

  it("hashes codes with a server key and verifies them", () => {
    const hash = box.hash("123456", "passcode:1");
    expect(box.verify("123456", "passcode:1", hash)).toBe(true);
    expect(box.verify("123457", "passcode:1", hash)).toBe(false);
    expect(box.verify("123456", "passcode:2", hash)).toBe(false);
    expect(createSecretBox(randomBytes(32)).verify("123456", "passcode:1", hash)).toBe(false);
  });
});
