import { pbkdf2Sync, randomBytes, scryptSync } from "node:crypto";
import { hash as argon2Hash } from "@node-rs/argon2";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import { describe, expect, it } from "vitest";
import { hashPassword } from "./password-hash.js";
import { verifyPasswordHash } from "./password-verify.js";

// Known vectors per algorithm: published ones (each with where it is published) and fixtures
// made here with the libraries and node:crypto. Each is checked with its password (a match that
// needs a rehash to argon2id) and with a wrong one (no match).

/** `[name, password, hash]`: published vectors. */
const published: Array<[string, string, string]> = [
  // crypt_blowfish's test vectors (Openwall), cost 5: weak, refused at import, still verified once stored.
  ["bcrypt $2a$ (crypt_blowfish test vector)", "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"],
  // PHP's manual, password_verify().
  ["bcrypt $2y$ (PHP manual)", "rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"],
  // The argon2 reference implementation's README.
  ["argon2i (reference implementation README)", "password", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"],
  // Kratos's hash comparator tests (hash/hasher_test.go).
  ["argon2id (Kratos)", "test", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"],
  ["pbkdf2-sha256 (Kratos)", "test", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"],
  ["pbkdf2-sha512 (Kratos)", "test", "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc"],
  ["scrypt, Kratos's form: ln = N, padded base64 (Kratos)", "test", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="],
  // passlib's documentation (passlib.hash.pbkdf2_digest, passlib.hash.scrypt).
  ["pbkdf2-sha256, passlib's form (passlib docs)", "password", "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"],
  ["scrypt, PHC form: ln = log2 N (passlib docs)", "password", "$scrypt$ln=8,r=8,p=1$WKs1xljLudd6z9kbY0wpJQ$yCR4iDZYDKv+iEJj6yHY0lv/epnfB6f/w1EbXrsJOuQ"],
];

const phc = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");
const passlib = (bytes: Buffer) => phc(bytes).replaceAll("+", ".");

/** `[name, password, hash]` made here, with the libraries and node:crypto. */
async function fixtures(): Promise<Array<[string, string, string]>> {
  const password = "correct horse battery staple ✓";
  const salt = randomBytes(16);
  const bcrypt = await bcryptHash(password, 10);
  const scrypt = scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  const pbkdf2 = (digest: string, length: number) => pbkdf2Sync(password, salt, 20_000, length, digest);
  return [
    ["bcrypt $2b$ made by @node-rs/bcrypt", password, bcrypt.replace(/^\$2[aby]\$/, "$2b$")],
    ["bcrypt $2a$ made by @node-rs/bcrypt", password, bcrypt.replace(/^\$2[aby]\$/, "$2a$")],
    ["bcrypt $2y$ made by @node-rs/bcrypt", password, bcrypt.replace(/^\$2[aby]\$/, "$2y$")],
    ["argon2i made by @node-rs/argon2", password, await argon2Hash(password, { algorithm: 1, memoryCost: 19_456, timeCost: 2, parallelism: 1 })],
    ["argon2id with other parameters made by @node-rs/argon2", password, await argon2Hash(password, { algorithm: 2, memoryCost: 65_536, timeCost: 3, parallelism: 1 })],
    ["scrypt in PHC form made by node:crypto", password, `$scrypt$ln=14,r=8,p=1$${phc(salt)}$${phc(scrypt)}`],
    ["scrypt in Kratos's form made by node:crypto", password, `$scrypt$ln=16384,r=8,p=1$${salt.toString("base64")}$${scrypt.toString("base64")}`],
    ["pbkdf2-sha1 in PHC form made by node:crypto", password, `$pbkdf2-sha1$i=20000,l=20$${phc(salt)}$${phc(pbkdf2("sha1", 20))}`],
    ["pbkdf2-sha256 in PHC form without l made by node:crypto", password, `$pbkdf2-sha256$i=20000$${phc(salt)}$${phc(pbkdf2("sha256", 32))}`],
    ["pbkdf2-sha512 in Kratos's form made by node:crypto", password, `$pbkdf2-sha512$i=20000,l=64$${phc(salt)}$${phc(pbkdf2("sha512", 64))}`],
    ["pbkdf2-sha256 in passlib's form made by node:crypto", password, `$pbkdf2-sha256$20000$${passlib(salt)}$${passlib(pbkdf2("sha256", 32))}`],
    ["pbkdf2-sha1 in passlib's $pbkdf2$ form made by node:crypto", password, `$pbkdf2$20000$${passlib(salt)}$${passlib(pbkdf2("sha1", 20))}`],
  ];
}

describe("verifyPasswordHash", () => {
  it.each(published)("verifies the published %s vector and asks for a rehash", async (_name, password, hash) => {
    expect(await verifyPasswordHash(hash, password)).toEqual({ matches: true, needsRehash: true });
    expect(await verifyPasswordHash(hash, `${password}!`)).toEqual({ matches: false, needsRehash: true });
  });

  it("verifies fixtures made with the libraries and node:crypto in every supported form", async () => {
    const made = await fixtures();
    const answers = await Promise.all(made.map(async ([name, password, hash]) => [name, await verifyPasswordHash(hash, password), await verifyPasswordHash(hash, "wrong password")]));
    expect(answers).toEqual(made.map(([name]) => [name, { matches: true, needsRehash: true }, { matches: false, needsRehash: true }]));
  });

  it("asks for no rehash of Tessera's own argon2id", async () => {
    const hash = await hashPassword("mine");
    expect(await verifyPasswordHash(hash, "mine")).toEqual({ matches: true, needsRehash: false });
    expect(await verifyPasswordHash(hash, "not mine")).toEqual({ matches: false, needsRehash: false });
  });

  it("counts only the first 72 bytes of a bcrypt password, as every bcrypt does", async () => {
    const hash = await bcryptHash("x".repeat(72), 10);
    expect((await verifyPasswordHash(hash, `${"x".repeat(72)}ignored`)).matches).toBe(true);
    expect((await verifyPasswordHash(hash, "x".repeat(71))).matches).toBe(false);
  });

  // An attacker who learns that an account has no password, or a corrupt one, by a faster
  // answer: both cost the decoy check and answer no match.
  it.each([
    ["no stored hash", undefined],
    ["a stored text that is no hash", "not a hash"],
    ["a truncated argon2id hash", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ"],
    ["a hash over the ceilings", "$pbkdf2-sha256$i=99999999$c29tZXNhbHQ$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"],
  ])("answers no match for %s", async (_name, stored) => {
    expect(await verifyPasswordHash(stored, "anything")).toEqual({ matches: false, needsRehash: false });
  });

  it("refuses a digest with altered trailing bits rather than reading it two ways", async () => {
    // Kratos's vector with its last character changed: the same bytes in a non-canonical spelling.
    const altered = "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNx";
    expect(await verifyPasswordHash(altered, "test")).toEqual({ matches: false, needsRehash: false });
  });
});
