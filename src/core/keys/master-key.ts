import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../log.js";

/** What the master key is resolved from: the configured key, if any, and the data directory. */
export interface MasterKeySource {
  /** `TESSERA_SECRET_KEY`, decoded. */
  readonly secretKey: Buffer | undefined;
  /** `DATA_DIR`: a directory, or `memory://`. */
  readonly dataDir: string;
}

/**
 * The 32-byte master key: `TESSERA_SECRET_KEY` when set; on the embedded default, the key in
 * `DATA_DIR/secret.key`, generated there on first start; for `memory://`, a fresh one.
 */
export function resolveMasterKey(config: MasterKeySource, logger: Logger): Buffer {
  if (config.secretKey !== undefined) return config.secretKey;
  if (config.dataDir.startsWith("memory://")) {
    logger.info("TESSERA_SECRET_KEY is not set: using a new in-memory key for this in-memory database");
    return randomBytes(32);
  }
  const file = join(config.dataDir, "secret.key");
  try {
    return parseKeyFile(readFileSync(file, "utf8"), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  logger.info("TESSERA_SECRET_KEY is not set: generated a new key", { file });
  return key;
}

function parseKeyFile(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), "hex");
  if (key.length !== 32) throw new Error(`${file} must hold 64 hex digits`);
  return key;
}
