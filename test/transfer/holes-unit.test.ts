import { generateKeyPairSync, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "../../src/core/keys/secret-box.js";
import { createDecoyHashes } from "../../src/core/password/decoy-hashes.js";
import { cosePublicKey } from "../../src/transfer/formats/cose-key.js";
import { createProgressPrinter } from "../../src/transfer/import-progress.js";
import { maxRecordBytes, readRecords } from "../../src/transfer/record-stream.js";

// Review of issue 19, second pass: the holes found in the import's pieces, each without a server.

async function records(text: string) {
  const out = [];
  for await (const record of readRecords(Readable.from([text]))) out.push("error" in record ? { line: record.line, error: true } : { line: record.line, bytes: Buffer.byteLength(record.text) });
  return out;
}

/** A JSON string record of `bytes` UTF-8 bytes made of 3-byte characters (one UTF-16 unit each). */
function multiByteRecord(bytes: number): string {
  const filler = "€".repeat(Math.floor((bytes - 2) / 3));
  const text = `"${filler}${"a".repeat(bytes - 2 - filler.length * 3)}"`;
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe("the record cap counts UTF-8 bytes", () => {
  const under = multiByteRecord(maxRecordBytes);
  const over = multiByteRecord(maxRecordBytes + 1);
  // Both are far below the cap in UTF-16 units: only a byte count refuses the second.
  it.each([
    ["JSON Lines", `${under}\n${over}\n"ok"\n`],
    ["an array", `[${under},\n${over},\n"ok"]`],
  ])("in %s: a record of exactly the cap is read, one byte more is refused, the next is read", async (_, text) => {
    expect(over.length).toBeLessThan(maxRecordBytes / 2);
    expect(await records(text)).toEqual([
      { line: 1, bytes: maxRecordBytes },
      { line: 2, error: true },
      { line: 3, bytes: 4 },
    ]);
  });
});

const ec = (curve: string) => generateKeyPairSync("ec", { namedCurve: curve }).publicKey.export({ format: "jwk" });
const p256 = ec("P-256");
const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
const rsa = (bits: number) => generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ format: "jwk" });
const b = (text: string | undefined) => new Uint8Array(Buffer.from(text ?? "", "base64url"));
const encode = (entries: [number, unknown][]) => Buffer.from(isoCBOR.encode(new Map(entries) as never)).toString("base64url");
const ec2 = (alg: number, crv: number, x: Uint8Array, y: Uint8Array) => encode([[1, 2], [3, alg], [-1, crv], [-2, x], [-3, y]]);
const offCurve = b(p256.y);
offCurve[7]! ^= 1;
const rsa2048 = rsa(2048);
const rsa1024 = rsa(1024);

describe("the COSE public key of an imported credential must verify", () => {
  it.each([
    ["EC2 P-256 ES256", ec2(-7, 1, b(p256.x), b(p256.y))],
    ["EC2 P-384 ES384", (() => { const k = ec("P-384"); return ec2(-35, 2, b(k.x), b(k.y)); })()],
    ["OKP Ed25519 EdDSA", encode([[1, 1], [3, -8], [-1, 6], [-2, b(ed.x)]])],
    ["RSA 2048 RS256", encode([[1, 3], [3, -257], [-1, b(rsa2048.n)], [-2, b(rsa2048.e)]])],
  ])("accepts %s", (_, key) => {
    expect(cosePublicKey(key, "key")).toBe(key);
  });

  it.each([
    ["not CBOR", Buffer.from([0xff, 0x00]).toString("base64url"), /not a COSE public key/],
    ["an unknown key type", encode([[1, 9], [3, -7]]), /unknown COSE key type/],
    ["no algorithm", encode([[1, 2], [-1, 1], [-2, b(p256.x)], [-3, b(p256.y)]]), /no COSE algorithm/],
    ["an unknown curve", ec2(-7, 9, b(p256.x), b(p256.y)), /unknown EC2 curve/],
    ["an algorithm of another curve", ec2(-35, 1, b(p256.x), b(p256.y)), /does not go with curve P-256/],
    ["a short coordinate", ec2(-7, 1, b(p256.x).subarray(1), b(p256.y)), /must be 32 bytes/],
    ["a point off the curve", ec2(-7, 1, b(p256.x), offCurve), /not on the curve/],
    ["an Ed25519 key with ES256", encode([[1, 1], [3, -7], [-1, 6], [-2, b(ed.x)]]), /does not go with Ed25519/],
    ["an unknown RSA algorithm", encode([[1, 3], [3, -7], [-1, b(rsa2048.n)], [-2, b(rsa2048.e)]]), /unknown RSA algorithm/],
    ["an RSA modulus of 1024 bits", encode([[1, 3], [3, -257], [-1, b(rsa1024.n)], [-2, b(rsa1024.e)]]), /1024 bits, fewer than 2048/],
  ])("refuses %s with the reason", (_, key, reason) => {
    expect(() => cosePublicKey(key, "key")).toThrow(reason);
  });
});

describe("import progress", () => {
  it("prints counts and users/s at most once a second, and the last counts at the end", () => {
    let now = 0;
    const lines: string[] = [];
    const progress = createProgressPrinter({ write: (text) => lines.push(text), now: () => now });
    const counts = (imported: number) => ({ imported, unchanged: 0, refused: 1 });
    now = 500;
    progress.update(counts(200));
    now = 1000;
    progress.update(counts(400));
    now = 1500;
    progress.update(counts(600));
    now = 2000;
    progress.update(counts(800));
    now = 2200;
    progress.update(counts(900));
    progress.finish();
    expect(lines).toEqual([
      "progress: 401 records read, 400 imported, 0 unchanged, 1 refused, 400 users/s\n",
      "progress: 801 records read, 800 imported, 0 unchanged, 1 refused, 400 users/s\n",
      "progress: 901 records read, 900 imported, 0 unchanged, 1 refused, 409 users/s\n",
    ]);
  });

  it("prints nothing for an import shorter than a second", () => {
    let now = 0;
    const lines: string[] = [];
    const progress = createProgressPrinter({ write: (text) => lines.push(text), now: () => now });
    now = 300;
    progress.update({ imported: 5, unchanged: 0, refused: 0 });
    progress.finish();
    expect(lines).toEqual([]);
  });
});

describe("decoy hashes after an import", () => {
  it("read the schemes again at the next use after refresh, before the refresh period", async () => {
    let schemes = [{ scheme: "2b$04", users: 1 }];
    let reads = 0;
    const decoys = createDecoyHashes({ schemes: async () => (reads++, schemes), secrets: createSecretBox(randomBytes(32)), now: () => 0 });
    expect((await decoys.decoyFor("ada")).algorithm).toBe("bcrypt");
    schemes = [{ scheme: "pbkdf2-sha512$i=10000", users: 1 }];
    await decoys.decoyFor("ada");
    expect(reads).toBe(1);
    decoys.refresh();
    await decoys.decoyFor("ada");
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(2);
    expect((await decoys.decoyFor("ada")).algorithm).toBe("pbkdf2-sha512");
  });
});
