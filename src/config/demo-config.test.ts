import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors/config-error.js";
import { loadConfig } from "./config.js";

const postgres = { DATABASE_URL: "postgres://tessera@db/tessera", TESSERA_SECRET_KEY: "11".repeat(32) };

describe("DEMO_ENABLED", () => {
  it.each([
    ["on by default on the embedded database", {}, "default"],
    ["off by default with DATABASE_URL", postgres, "off"],
    ["on with DATABASE_URL when asked", { ...postgres, DEMO_ENABLED: "true" }, "asked"],
    ["off on the embedded database when turned off", { DEMO_ENABLED: "false" }, "off"],
    ["asked on the embedded database", { DEMO_ENABLED: "1" }, "asked"],
  ] as const)("is %s", (_, env, demo) => {
    expect(loadConfig(env).demo).toBe(demo);
  });

  it("refuses a value that is not a boolean, naming the variable", () => {
    expect(() => loadConfig({ DEMO_ENABLED: "maybe" })).toThrow(new ConfigError('DEMO_ENABLED must be true or false, got "maybe"'));
  });
});
