import { describe, expect, it } from "vitest";
import { runScript } from "../harness/script.js";

// No database is opened for help or a refusal: DATA_DIR points nowhere usable on purpose.
const env = { DATA_DIR: "/nonexistent/tessera", LOG_LEVEL: "error" };

describe("the operator command's help and refusals", () => {
  it.each([
    [["--help"], /^usage: npm run tessera -- keys\|rp\|outbox <command>[\s\S]*keys rotate RS256\|EdDSA[\s\S]*rp create[\s\S]*outbox retry/],
    [["keys", "--help"], /^usage: npm run tessera -- keys <command>\n[\s\S]*keys retire <kid>/],
    [["rp", "--help"], /^usage: npm run tessera -- rp <command> <access-point> \[options\]\n[\s\S]*rp rotate-key/],
    [["outbox", "--help"], /^usage: npm run tessera -- outbox <command>\n[\s\S]*outbox retry/],
  ])("%j prints help on stdout and exits 0", async (args, help) => {
    const run = runScript("src/cli.ts", args, env);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(help);
  }, 30_000);

  it.each([
    [["frobnicate"], 'tessera: unknown command "frobnicate"\nusage: npm run tessera -- keys|rp|outbox <command> [arguments]'],
    [["--verbose", "keys", "list"], 'tessera: unknown command "--verbose"\nusage: npm run tessera --'],
    [["keys", "list", "--json"], 'tessera: keys list: unexpected "--json"\nusage: npm run tessera -- keys <command>'],
    [["rp", "create", "ap", "--colour", "red"], 'tessera: rp create: unknown option "--colour"\nusage: npm run tessera -- rp <command>'],
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
