import { readFile } from "node:fs/promises";
import { createSecretBox, type SecretBox } from "../core/keys/secret-box.js";

/**
 * The operator's key an export seals TOTP secrets under (and an import opens them with): a file
 * holding 32 bytes as 64 hex digits or base64, surrounding white space ignored.
 */
export async function readOperatorKey(path: string): Promise<SecretBox> {
  const text = (await readFile(path, "utf8")).trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new Error(`${path} must hold a 32-byte key (64 hex digits or base64), e.g. from: openssl rand -hex 32`);
  return createSecretBox(key);
}
