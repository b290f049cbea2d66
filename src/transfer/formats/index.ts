import type { TransferUser } from "../transfer-user.js";
import { readAuthenticatorUser } from "./authenticator.js";
import { readAuthfiUser } from "./authfi.js";
import { readHankoUser } from "./hanko.js";
import { readKratosIdentity } from "./kratos.js";
import { readTesseraUser } from "./tessera.js";

/** The formats `tessera import` reads, each a function from one parsed record to a user (throws RecordRefused). */
export const formats = {
  hanko: readHankoUser,
  kratos: readKratosIdentity,
  authenticator: readAuthenticatorUser,
  authfi: readAuthfiUser,
  tessera: readTesseraUser,
} as const satisfies Record<string, (record: unknown) => TransferUser>;

/** A format `tessera import` reads. */
export type ImportFormat = keyof typeof formats;

/** True when `name` is an ImportFormat. */
export function isImportFormat(name: string): name is ImportFormat {
  return Object.hasOwn(formats, name);
}

export { RecordRefused } from "./fields.js";
