import { describe, expect, it } from "vitest";
import { parsePasswordHash } from "./password-format.js";

// What an import keeps and what it refuses, with the reason an operator reads. Parsing computes
// no hash: these run in microseconds.

const salt = "c29tZXNhbHRzb21lc2FsdA"; // 16 bytes
const digest = "QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"; // 32 bytes
const bcryptTail = "o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6";

describe("parsePasswordHash keeps", () => {
  it.each([
    ["Tessera's argon2id", `$argon2id$v=19$m=19456,t=2,p=1$${salt}$${digest}`, "argon2id", false],
    ["argon2id with other parameters", `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${digest}`, "argon2id", true],
    ["argon2id with 1 pass (Kratos's default, 64 MiB)", `$argon2id$v=19$m=65536,t=1,p=4$${salt}$${digest}`, "argon2id", true],
    ["argon2i at 3 passes", `$argon2i$v=19$m=65536,t=3,p=4$${salt}$${digest}`, "argon2i", true],
    ["argon2i at OWASP's 7 MiB × 5 passes", `$argon2i$v=19$m=7168,t=5,p=1$${salt}$${digest}`, "argon2i", true],
    ["bcrypt $2a$ at cost 10", `$2a$10$${bcryptTail}`, "bcrypt", true],
    ["bcrypt $2b$", `$2b$12$${bcryptTail}`, "bcrypt", true],
    ["bcrypt $2y$", `$2y$10$${bcryptTail}`, "bcrypt", true],
    ["scrypt in PHC form (ln = log2 N)", `$scrypt$ln=14,r=8,p=1$${salt}$${digest}`, "scrypt", true],
    ["scrypt in Kratos's form (ln = N, padded)", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=", "scrypt", true],
    ["pbkdf2-sha256 in Kratos's form", `$pbkdf2-sha256$i=100000,l=32$${salt}$${digest}`, "pbkdf2-sha256", true],
    ["pbkdf2-sha512 in PHC form without l", `$pbkdf2-sha512$i=210000$${salt}$${digest}`, "pbkdf2-sha512", true],
    ["pbkdf2-sha1 at the floor", `$pbkdf2-sha1$i=10000,l=32$${salt}$${digest}`, "pbkdf2-sha1", true],
    ["pbkdf2-sha256 in passlib's form", "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk", "pbkdf2-sha256", true],
    ["passlib's $pbkdf2$ (SHA-1)", `$pbkdf2$131000$${salt}$${digest}`, "pbkdf2-sha1", true],
    // At the ceilings, each about half a second of one core.
    ["bcrypt at the ceiling, cost 13", `$2b$13$${bcryptTail}`, "bcrypt", true],
    ["argon2id at 256 MiB × 2 passes", `$argon2id$v=19$m=262144,t=2,p=1$${salt}$${digest}`, "argon2id", true],
    ["scrypt at N·r·p = 2^20", `$scrypt$ln=16,r=8,p=2$${salt}$${digest}`, "scrypt", true],
    ["pbkdf2-sha1 at 1,300,000 iterations", `$pbkdf2-sha1$i=1300000$${salt}$${digest}`, "pbkdf2-sha1", true],
    ["pbkdf2-sha256 at 1,200,000 iterations", `$pbkdf2-sha256$i=1200000$${salt}$${digest}`, "pbkdf2-sha256", true],
    ["pbkdf2-sha512 at 500,000 iterations", `$pbkdf2-sha512$i=500000$${salt}$${digest}`, "pbkdf2-sha512", true],
  ])("%s", (_name, text, algorithm, needsRehash) => {
    expect(parsePasswordHash(text)).toEqual({ ok: true, algorithm, needsRehash });
  });
});

describe("parsePasswordHash refuses", () => {
  it.each([
    // Weak: under the floors of hash-floors.ts.
    ["bcrypt under cost 10", `$2a$09$${bcryptTail}`, "weak", /bcrypt cost 9 is under the floor of 10/],
    ["argon2id under OWASP's floor", `$argon2id$v=19$m=4096,t=3,p=1$${salt}$${digest}`, "weak", /argon2id m=4096,t=3 is under the floor/],
    ["argon2i with 2 passes (time-memory tradeoffs)", `$argon2i$v=19$m=65536,t=2,p=4$${salt}$${digest}`, "weak", /argon2i t=2 is under the floor of 3 passes/],
    ["argon2i with enough passes but under 7 MiB", `$argon2i$v=19$m=4096,t=10,p=1$${salt}$${digest}`, "weak", /under the floor/],
    ["scrypt under 16 MiB", `$scrypt$ln=13,r=8,p=1$${salt}$${digest}`, "weak", /8 MiB, under the floor of 16 MiB/],
    ["scrypt in Kratos's form under 16 MiB", `$scrypt$ln=1024,r=8,p=1$${salt}$${digest}`, "weak", /under the floor of 16 MiB/],
    ["PBKDF2 under 10,000 iterations", "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M", "weak", /6400 PBKDF2 iterations are under the floor of 10000/],
    ["MD5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "weak", /MD5-crypt/],
    ["Kratos's salted MD5", "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$Z1a6nOPn7T8MuRVXE/tUdA==", "weak", /fast hashes/],
    ["Kratos's salted SHA-1", "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "weak", /fast hashes/],
    ["LDAP {SSHA}", "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a", "weak", /LDAP/],
    ["an unsalted MD5 digest", "5f4dcc3b5aa765d61d8327deb882cf99", "weak", /unsalted MD5/],
    ["an unsalted SHA-1 digest", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "weak", /unsalted SHA-1/],
    ["an unsalted SHA-256 digest", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "weak", /unsalted SHA-2/],
    // Unknown: no supported format.
    ["a password in clear", "hunter2", "unknown", /not a password hash in a supported format/],
    ["an empty text", "", "unknown", /empty/],
    ["SHA-crypt", "$6$rounds=5000$saltsalt$abc", "unknown", /SHA-crypt/],
    ["argon2d", `$argon2d$v=19$m=65536,t=3,p=1$${salt}$${digest}`, "unknown", /argon2d is not meant for passwords/],
    ["crypt_blowfish's buggy $2x$", `$2x$10$${bcryptTail}`, "unknown", /\$2x\$/],
    ["a known unsupported identifier", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "unknown", /yescrypt \(\$y\$\) is not supported/],
    ["an identifier not on the list", "$whirlpoolx$abc$def", "unknown", /^not a password hash in a supported format/],
    ["PBKDF2 with another PRF", `$pbkdf2-md5$i=10000$${salt}$${digest}`, "unknown", /SHA-1 or SHA-2/],
    // Malformed: a supported format, badly written.
    ["bcrypt with a short tail", "$2b$10$short", "malformed", /53 characters/],
    ["bcrypt under cost 4", `$2b$03$${bcryptTail}`, "malformed", /cost 3 is invalid/],
    ["argon2 version 16", `$argon2id$v=16$m=65536,t=3,p=1$${salt}$${digest}`, "malformed", /version 19/],
    ["argon2 without a version", `$argon2id$m=65536,t=3,p=1$${salt}$${digest}`, "malformed", /\$argon2id\$v=19/],
    ["argon2 with a keyid", `$argon2id$v=19$m=65536,t=3,p=1,keyid=abc$${salt}$${digest}`, "malformed", /no keyid or data/],
    ["argon2 with parameters out of order", `$argon2id$v=19$t=3,m=65536,p=1$${salt}$${digest}`, "malformed", /m=…,t=…,p=…/],
    ["argon2 with non-canonical base64", "$argon2id$v=19$m=65536,t=3,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNx", "malformed", /base64/],
    ["argon2 with padded base64 (argon2's verifier refuses it)", `$argon2id$v=19$m=65536,t=3,p=1$${salt}==$${digest}=`, "malformed", /without padding/],
    ["argon2 with passlib's . for +", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub.b.dWRWJTmaaJObG", "malformed", /standard base64/],
    ["argon2 with a 4-byte salt", `$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$${digest}`, "malformed", /salt of 4 bytes/],
    ["scrypt with N not a power of two", `$scrypt$ln=16383,r=8,p=1$${salt}$${digest}`, "malformed", /power of two/],
    ["scrypt without parameters", `$scrypt$${salt}$${digest}`, "malformed", /\$scrypt\$ln=/],
    ["PBKDF2 whose l is not the digest's length", `$pbkdf2-sha256$i=100000,l=64$${salt}$${digest}`, "malformed", /l=64 is not the digest's length \(32 bytes\)/],
    ["PBKDF2 with an upper-case parameter", `$pbkdf2-sha512$I=100000,l=32$${salt}$${digest}`, "malformed", /i=/],
    ["a text over 1024 characters", `$argon2id$${"a".repeat(1100)}`, "malformed", /longer than 1024/],
    // Costly: over the ceilings, one login would take seconds or gigabytes.
    ["bcrypt over cost 13", `$2b$14$${bcryptTail}`, "costly", /cost 14 is over the ceiling of 13/],
    ["argon2 over 256 MiB", `$argon2id$v=19$m=1048576,t=3,p=1$${salt}$${digest}`, "costly", /over the ceilings/],
    ["argon2 over 512 MiB-passes", `$argon2id$v=19$m=131072,t=5,p=1$${salt}$${digest}`, "costly", /over the ceilings/],
    ["scrypt over 128 MiB", `$scrypt$ln=18,r=8,p=1$${salt}$${digest}`, "costly", /over the ceilings/],
    ["scrypt over N·r·p = 2^20 by parallelism", `$scrypt$ln=16,r=8,p=4$${salt}$${digest}`, "costly", /over the ceilings/],
    ["scrypt with r over 32", `$scrypt$ln=10,r=64,p=1$${salt}$${digest}`, "costly", /r ≤ 32/],
    ["pbkdf2-sha1 over 1,300,000 iterations", `$pbkdf2-sha1$i=1300001$${salt}$${digest}`, "costly", /over the ceiling of 1300000 for SHA1/],
    ["pbkdf2-sha256 over 1,200,000 iterations", `$pbkdf2-sha256$i=1200001$${salt}$${digest}`, "costly", /over the ceiling of 1200000/],
    ["pbkdf2-sha512 over 500,000 iterations", `$pbkdf2-sha512$i=500001$${salt}$${digest}`, "costly", /over the ceiling of 500000/],
  ])("%s", (_name, text, problem, reason) => {
    const parsed = parsePasswordHash(text);
    expect(parsed).toEqual({ ok: false, problem, reason: expect.stringMatching(reason) });
  });

  // A refusal is printed in an import's summary and logs: an operator's file with a password in
  // clear where a hash belongs must not put that password there.
  it("never quotes the refused text in the reason", () => {
    for (const text of ["hunter2-secret", "$unknownformat$hunter2-secret", "$hunter2$", "$hunter2$secret", "{SSHA}hunter2-secret", `$2b$10$hunter2-secret`]) {
      const parsed = parsePasswordHash(text);
      expect(parsed.ok).toBe(false);
      expect(JSON.stringify(parsed)).not.toContain("hunter2");
    }
  });
});
