import { ConfigError } from "./core/errors/config-error.js";
import { loadConfig } from "./config/config.js";
import { StartupError } from "./core/errors/startup-error.js";
import { parseCommandLine } from "./cli/parse.js";

/**
 * `npm run tessera -- …`: operator commands against the configured database. Exit 0 done,
 * 1 refused by the data (no such key or access point), 2 a usage, configuration or start-up
 * error (unknown command or option, DATA_DIR held by a running server, database unreachable).
 */
async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args);
  if (parsed.kind === "help") {
    process.stdout.write(`${parsed.text}\n`);
    return 0;
  }
  if (parsed.kind === "refused") {
    process.stderr.write(`tessera: ${parsed.message}\n${parsed.usage}\n`);
    return 2;
  }
  const config = loadConfig();
  // Loaded only for a command to run: --help and refusals answer without the database code.
  const { runCommand } = await import("./cli/run.js");
  return runCommand(config, parsed.command);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const operator = error instanceof ConfigError || error instanceof StartupError;
    process.stderr.write(`tessera: ${error instanceof ConfigError ? "configuration error: " : ""}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(operator ? 2 : 1);
  },
);
