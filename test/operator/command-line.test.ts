import { describe, expect, it } from "vitest";
import { runScript } from "../harness/script.js";

// No database is opened for help or a refusal: DATA_DIR points nowhere usable on purpose.
const env = { DATA_DIR: "/nonexistent/tessera", LOG_LEVEL: "error" };

describe("the operator command's help and refusals", () => {
  it.each([
    [["--help"], /^usage: npm run tessera -- keys\|rp\|outbox\|import\|export <command>[\s\S]*keys rotate RS256\|EdDSA[\s\S]*rp create[\s\S]*outbox retry[\s\S]*import <format> <file>[\s\S]*export <file>/],
    [["keys", "--help"], /^usage: npm run tessera -- keys <command>\n[\s\S]*keys retire <kid>/],
    [["rp", "--help"], /^usage: npm run tessera -- rp <command> <access-point> \[options\]\n[\s\S]*rp rotate-key/],
    [["outbox", "--help"], /^usage: npm run tessera -- outbox <command>\n[\s\S]*outbox retry/],
    [["import", "--help"], /^usage: npm run tessera -- import <format> <file> \[--dry-run\] \[--mapping-out FILE\] \[--totp-key-file KEYFILE\]\n  formats: hanko, kratos, authenticator, authfi, tessera/],
    [["import", "hanko", "users.json", "-h"], /^usage: npm run tessera -- import <format> <file>/],
    [["export", "--help"], /^usage: npm run tessera -- export <file> \[--include-totp-secrets --reseal-key-file KEYFILE\]\n/],
  ])("%j prints help on stdout and exits 0", async (args, help) => {
    const run = runScript("src/cli.ts", args, env);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(help);
  }, 30_000);

  it.each([
    [["frobnicate"], 'tessera: unknown command "frobnicate"\nusage: npm run tessera -- keys|rp|outbox|import|export <command> [arguments]'],
    [["--verbose", "keys", "list"], 'tessera: unknown command "--verbose"\nusage: npm run tessera --'],
    [["keys", "list", "--json"], 'tessera: keys list: unexpected "--json"\nusage: npm run tessera -- keys <command>'],
    [["rp", "create", "ap", "--colour", "red"], 'tessera: rp create: unknown option "--colour"\nusage: npm run tessera -- rp <command>'],
    [["import"], "tessera: import: no command given\nusage: npm run tessera -- import <format> <file>"],
    [["import", "okta", "users.json"], 'tessera: import okta: takes a format first: hanko, kratos, authenticator, authfi or tessera\nusage: npm run tessera -- import <format>'],
    [["import", "hanko"], "tessera: import hanko: takes the file to import after the format\nusage: npm run tessera -- import <format>"],
    [["import", "hanko", "--dry-run"], "tessera: import hanko: takes the file to import after the format\nusage: npm run tessera -- import <format>"],
    [["import", "hanko", "users.json", "--mapping-out"], "tessera: import hanko: --mapping-out takes a file\nusage: npm run tessera -- import <format>"],
    [["import", "hanko", "users.json", "--totp-key-file", "--dry-run"], "tessera: import hanko: --totp-key-file takes a file\nusage: npm run tessera -- import <format>"],
    [["import", "hanko", "users.json", "--force"], 'tessera: import hanko: unknown option "--force"\nusage: npm run tessera -- import <format>'],
    [["export"], "tessera: export: no command given\nusage: npm run tessera -- export <file>"],
    [["export", "--include-totp-secrets"], "tessera: export --include-totp-secrets: takes the file to write first\nusage: npm run tessera -- export <file>"],
    [["export", "users.jsonl", "--include-totp-secrets"], "tessera: export users.jsonl: --include-totp-secrets and --reseal-key-file go together (secrets are never written in clear)\nusage: npm run tessera -- export <file>"],
    [["export", "users.jsonl", "--reseal-key-file", "key"], "tessera: export users.jsonl: --include-totp-secrets and --reseal-key-file go together"],
    [["export", "users.jsonl", "--include-totp-secrets", "--reseal-key-file"], "tessera: export users.jsonl: --reseal-key-file takes a key file\nusage: npm run tessera -- export <file>"],
    [["export", "users.jsonl", "--gzip"], 'tessera: export users.jsonl: unknown option "--gzip"\nusage: npm run tessera -- export <file>'],
  ])("%j is refused with exit 2 and a usage line", async (args, message) => {
    const run = runScript("src/cli.ts", args, env);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(message);
    expect(run.stdout()).toBe("");
  }, 30_000);

  it.each([[["up"]], [["down", "twice"]], [["--to", "20260101"]]])("npm run migrate -- %j is refused with exit 2 and its usage", async (args) => {
    const run = runScript("src/store/migrate-cli.ts", args, env);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/^migrate: unknown argument "[^"]+"\nusage: npm run migrate \[-- down\]/);
  }, 30_000);
});
