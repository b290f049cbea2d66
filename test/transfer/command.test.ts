import { randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { runScript } from "../harness/script.js";
import { argon2id } from "./transfer-harness.js";

// `npm run tessera -- import` and `export` as an operator runs them: processes of their own over
// a database (PostgreSQL with TEST_DATABASE_URL, else an embedded one in a directory), files in
// and out, exit statuses, the summary and refusals, the mapping file, TOTP secrets never clear.

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;
const uuidUser = randomUUID();
const legacyId = `legacy,"${randomUUID()}"`;
const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const tessera = async (...args: string[]) => {
  const run = runScript("src/cli.ts", args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
};

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "tessera-transfer-"));
  env = { ...(database.engine === "postgres" ? database.env : { DATA_DIR: join(dir, "data") }), TESSERA_SECRET_KEY: randomBytes(32).toString("hex"), LOG_LEVEL: "error" };
  const users = [
    { id: uuidUser, email: `cli-${uuidUser}@example.com`, password_hash: await argon2id("cli password 1"), is_totp_allowed: true, totp_secret: totpSecret },
    { id: legacyId, phone: "+4915112345678" },
    { id: randomUUID() },
  ];
  await writeFile(join(dir, "users.jsonl"), `${users.map((user) => JSON.stringify(user)).join("\n")}\n`);
  await writeFile(join(dir, "operator.key"), `${randomBytes(32).toString("hex")}\n`);
  await writeFile(join(dir, "short.key"), "abcd\n");
});
afterAll(async () => {
  await database?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("tessera import and export as commands", () => {
  it("validates in a dry run, stores nothing, and exits 1 for the refused record", async () => {
    const dry = await tessera("import", "authenticator", join(dir, "users.jsonl"), "--dry-run");
    expect(dry).toMatchObject({ code: 1, stdout: "2 would be imported, 0 unchanged, 1 refused\n" });
    expect(dry.stderr).toContain("line 3: refused: neither email nor phone\n");
    const exported = await tessera("export", "-");
    expect(exported).toMatchObject({ code: 0, stdout: "" });
    expect(exported.stderr).toContain("0 users exported");
  }, 60_000);

  it("imports, reports each refusal by line, writes the mapping as CSV, and changes nothing the second time", async () => {
    const mapping = join(dir, "mapping.csv");
    const first = await tessera("import", "authenticator", join(dir, "users.jsonl"), "--mapping-out", mapping);
    expect(first).toMatchObject({ code: 1, stdout: "2 imported, 0 unchanged, 1 refused\n" });
    expect(first.stderr).toContain("line 3: refused: neither email nor phone\n");
    const lines = (await readFile(mapping, "utf8")).split("\n");
    expect(lines[0]).toBe("source_id,user_id,tenant");
    expect(lines[1]).toMatch(new RegExp(`^"legacy,""[0-9a-f-]{36}""",[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12},default$`));
    expect(lines.slice(2)).toEqual([""]);
    const second = await tessera("import", "authenticator", join(dir, "users.jsonl"), "--mapping-out", mapping);
    expect(second).toMatchObject({ code: 1, stdout: "0 imported, 2 unchanged, 1 refused\n" });
    // The mapping names users already there too: a rerun's file is whole.
    expect((await readFile(mapping, "utf8")).split("\n")).toEqual(lines);
  }, 60_000);

  it("exports every user to a file only its owner reads, TOTP secrets withheld unless sealed under the operator key", async () => {
    const plain = join(dir, "export.jsonl");
    expect(await tessera("export", plain)).toMatchObject({ code: 0 });
    expect((await stat(plain)).mode & 0o777).toBe(0o600);
    const text = await readFile(plain, "utf8");
    expect(text.trim().split("\n")).toHaveLength(2);
    expect(text).toContain(uuidUser);
    expect(text).not.toContain(totpSecret);

    const sealed = join(dir, "sealed.jsonl");
    expect(await tessera("export", sealed, "--include-totp-secrets", "--reseal-key-file", join(dir, "operator.key"))).toMatchObject({ code: 0 });
    const sealedText = await readFile(sealed, "utf8");
    expect(sealedText).not.toContain(totpSecret);
    expect(sealedText).toMatch(/"totp":\{"sealed":"[A-Za-z0-9_-]+"\}/);
    expect(await tessera("import", "tessera", sealed, "--totp-key-file", join(dir, "operator.key"))).toMatchObject({ code: 0, stdout: "0 imported, 2 unchanged, 0 refused\n" });
  }, 60_000);

  it("review 19: an export over an existing file leaves it readable by no one but its owner", async () => {
    // An operator re-exports to the path of an earlier export or a file made by touch/umask 022:
    // the password hashes and sealed TOTP secrets must not land in a world-readable file.
    const existing = join(dir, "existing.jsonl");
    await writeFile(existing, "", { mode: 0o644 });
    await chmod(existing, 0o644);
    expect(await tessera("export", existing)).toMatchObject({ code: 0 });
    expect((await readFile(existing, "utf8")).trim().split("\n")).toHaveLength(2);
    expect((await stat(existing)).mode & 0o777).toBe(0o600);
  }, 60_000);

  it("refuses a key file that does not hold 32 bytes, and a file that is not there, with exit 1", async () => {
    const short = await tessera("export", join(dir, "never.jsonl"), "--include-totp-secrets", "--reseal-key-file", join(dir, "short.key"));
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("must hold a 32-byte key (64 hex digits or base64)");
    const missing = await tessera("import", "hanko", join(dir, "nowhere.json"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT|no such file/);
  }, 60_000);
});
