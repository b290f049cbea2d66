import { describe, expect, it } from "vitest";
import { parseCommandLine } from "./parse.js";
import { areaHelp, usageLine, wholeHelp } from "./usage.js";

describe("the operator command line", () => {
  it.each([
    [["--help"], wholeHelp],
    [["-h"], wholeHelp],
    [["help"], wholeHelp],
    [["keys", "--help"], areaHelp.keys],
    [["keys", "rotate", "--help"], areaHelp.keys],
    [["rp", "--help"], areaHelp.rp],
    [["rp", "create", "x", "-h"], areaHelp.rp],
    [["outbox", "--help"], areaHelp.outbox],
  ])("%j prints its help", (args, text) => {
    expect(parseCommandLine(args)).toEqual({ kind: "help", text });
  });

  it.each([
    [[], "no command given", usageLine],
    [["users"], 'unknown command "users"', usageLine],
    [["--verbose"], 'unknown command "--verbose"', usageLine],
    [["keys"], "keys: no command given", areaHelp.keys],
    [["keys", "purge"], "keys purge: unknown command", areaHelp.keys],
    [["keys", "list", "--all"], 'keys list: unexpected "--all"', areaHelp.keys],
    [["keys", "rotate", "HS256"], "keys rotate: takes RS256 or EdDSA", areaHelp.keys],
    [["keys", "rotate", "EdDSA", "now"], 'keys rotate: unexpected "now"', areaHelp.keys],
    [["keys", "retire"], "keys retire: takes the kid of a published key (from keys list)", areaHelp.keys],
    [["keys", "retire", "--force"], "keys retire: takes the kid of a published key (from keys list)", areaHelp.keys],
    [["rp", "create"], "rp create: takes an access point first", areaHelp.rp],
    [["rp", "create", "ap", "--state", "sleeping"], 'rp create: --state does not take "sleeping"', areaHelp.rp],
    [["rp", "create", "ap", "--user-cap", "none"], 'rp create: --user-cap does not take "none"', areaHelp.rp],
    [["rp", "create", "ap", "--colour", "red"], 'rp create: unknown option "--colour"', areaHelp.rp],
    [["rp", "update", "ap"], "rp update: takes --state or --user-cap", areaHelp.rp],
    [["rp", "rotate-key", "ap", "--state", "active"], 'rp rotate-key: unexpected "--state"', areaHelp.rp],
    [["outbox", "retry"], "outbox retry: takes message ids (from outbox list) or --all", areaHelp.outbox],
    [["outbox", "retry", "--all", "--force"], "outbox retry: takes message ids (from outbox list) or --all", areaHelp.outbox],
    [["outbox", "retry", "not-an-id"], "outbox retry: takes message ids (from outbox list) or --all", areaHelp.outbox],
    [["outbox", "list", "-v"], 'outbox list: unexpected "-v"', areaHelp.outbox],
  ])("%j is refused: %s", (args, message, usage) => {
    expect(parseCommandLine(args)).toEqual({ kind: "refused", message, usage });
  });

  it.each([
    [["keys", "list"], { area: "keys", action: "list" }],
    [["keys", "rotate", "EdDSA"], { area: "keys", action: "rotate", alg: "EdDSA" }],
    [["keys", "retire", "abc"], { area: "keys", action: "retire", kid: "abc" }],
    [["rp", "create", "ap"], { area: "rp", action: "create", slug: "ap", options: {} }],
    [["rp", "create", "ap", "--state", "trial", "--user-cap", "5"], { area: "rp", action: "create", slug: "ap", options: { state: "trial", userCap: 5 } }],
    [["rp", "update", "ap", "--user-cap", "none"], { area: "rp", action: "update", slug: "ap", options: { userCap: null } }],
    [["rp", "rotate-key", "ap"], { area: "rp", action: "rotate-key", slug: "ap" }],
    [["outbox", "list"], { area: "outbox", action: "list" }],
    [["outbox", "retry", "--all"], { area: "outbox", action: "retry", ids: "all" }],
    [["outbox", "retry", "0190a6b2-7c4e-7d5a-9b1e-3f2a1c0d9e8f"], { area: "outbox", action: "retry", ids: ["0190a6b2-7c4e-7d5a-9b1e-3f2a1c0d9e8f"] }],
  ])("%j is a command to run", (args, command) => {
    expect(parseCommandLine(args)).toEqual({ kind: "run", command });
  });
});
