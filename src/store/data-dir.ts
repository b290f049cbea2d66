import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { StartupError } from "../core/errors/startup-error.js";

/**
 * Makes sure `dataDir` (unless `memory://`) is a directory Tessera can write, creating it when
 * missing; else throws a StartupError naming DATA_DIR and why.
 */
export function prepareDataDir(dataDir: string): void {
  if (dataDir.startsWith("memory://")) return;
  try {
    mkdirSync(dataDir, { recursive: true });
    if (!statSync(dataDir).isDirectory()) throw new Error("not a directory");
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    throw new StartupError("DATA_DIR", `DATA_DIR ${dataDir} is not a writable directory (${reason})`, { cause: error });
  }
}
