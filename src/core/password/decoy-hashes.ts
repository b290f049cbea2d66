import { randomBytes } from "node:crypto";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import type { SecretBox } from "../keys/secret-box.js";
import type { DecodedHash } from "./hash-format.js";
import { decodePasswordHash } from "./password-format.js";
import { hashPassword } from "./password-hash.js";
import type { HashScheme } from "./password.port.js";

/**
 * Decoy hashes for users without a usable hash (unknown, no password, a stored text that does not
 * decode), so that a wrong password costs the same whatever the address: the decoy of a lookup key
 * is chosen by an HMAC of the key with the server's secret among decoys made with the schemes
 * (algorithm and parameters) of the tenant's stored hashes, weighted by how many users have each.
 * An unknown address then costs what a random user's hash costs, and always the same.
 */
export interface DecoyHashes {
  /** The decoy for `lookupKey` (a contact, a user id). */
  decoyFor(lookupKey: string): Promise<DecodedHash>;
  /** Reads the schemes again at the next use (an import added some), the old table answering meanwhile. */
  refresh(): void;
}

/** How often the table of schemes is read again: imports change it. */
export const decoyRefreshMs = 5 * 60 * 1000;

interface Entry {
  users: number;
  hash: DecodedHash;
}

/** Creates the decoys over `schemes` (the tenant's counts), read at first use and every `decoyRefreshMs` after. */
export function createDecoyHashes(deps: { schemes: () => Promise<readonly HashScheme[]>; secrets: SecretBox; now?: () => number }): DecoyHashes {
  const now = deps.now ?? Date.now;
  let fallback: Promise<DecodedHash> | undefined;
  const tessera = () => (fallback ??= hashPassword(randomBytes(16).toString("hex")).then(decodedOrThrow));
  let table: Promise<Entry[]> | undefined;
  let readAt = -Infinity;
  const build = async (): Promise<Entry[]> => {
    const entries: Entry[] = [];
    for (const { scheme, users } of await deps.schemes()) {
      entries.push({ users, hash: (await decoyOf(scheme)) ?? (await tessera()) });
    }
    return entries.length === 0 ? [{ users: 1, hash: await tessera() }] : entries;
  };
  const current = (): Promise<Entry[]> => {
    if (table === undefined) {
      readAt = now();
      table = build();
      table.catch(() => (table = undefined));
      return table;
    }
    if (now() - readAt >= decoyRefreshMs) {
      // The old table answers until the new one is built; a failed read keeps the old one.
      readAt = now();
      const previous = table;
      const next = build();
      next.then((entries) => (table = Promise.resolve(entries)), () => (table = previous));
    }
    return table;
  };
  return {
    refresh() {
      readAt = -Infinity;
    },
    async decoyFor(lookupKey) {
      const entries = await current().catch(async () => [{ users: 1, hash: await tessera() }]);
      const total = entries.reduce((sum, entry) => sum + entry.users, 0);
      let point = deps.secrets.hash(lookupKey, "tessera/password-decoy").readUIntBE(0, 6) % total;
      for (const entry of entries) {
        if (point < entry.users) return entry.hash;
        point -= entry.users;
      }
      return entries[0]!.hash;
    },
  };
}

function decodedOrThrow(text: string): DecodedHash {
  const decoded = decodePasswordHash(text);
  if (!decoded.ok) throw new Error("Tessera's own hash does not decode");
  return decoded.hash;
}

const phc = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/=+$/, "");

/** The output length of each PBKDF2 PRF: a digest of that length costs one block. */
const pbkdf2Lengths: Record<string, number> = { pbkdf2: 20, "pbkdf2-sha1": 20, "pbkdf2-sha224": 28, "pbkdf2-sha256": 32, "pbkdf2-sha384": 48, "pbkdf2-sha512": 64 };

/**
 * A hash with the algorithm and parameters of `scheme` (a stored hash up to its salt, without the
 * leading `$`) over a random salt and digest: verifying any password against it costs what the
 * stored ones cost. Undefined for a scheme Tessera does not verify (its users cost the default).
 */
async function decoyOf(scheme: string): Promise<DecodedHash | undefined> {
  const [identifier = "", parameters = ""] = scheme.split("$");
  const salt = phc(randomBytes(16));
  let text: string;
  if (/^2[aby]$/.test(identifier) && /^[0-9]{2}$/.test(parameters)) {
    const cost = Number(parameters);
    if (cost < 4 || cost > 31) return undefined;
    text = await bcryptHash(randomBytes(16).toString("hex"), cost).catch(() => "");
  } else if (identifier.startsWith("argon2")) {
    text = `$${scheme}$${salt}$${phc(randomBytes(32))}`;
  } else if (identifier === "scrypt") {
    text = `$${scheme}$${salt}$${phc(randomBytes(32))}`;
  } else if (identifier in pbkdf2Lengths) {
    const length = Number(/(?:^|,)l=([0-9]{1,3})$/.exec(parameters)?.[1] ?? pbkdf2Lengths[identifier]);
    text = `$${scheme}$${salt}$${phc(randomBytes(length))}`;
  } else {
    return undefined;
  }
  const decoded = decodePasswordHash(text);
  return decoded.ok ? decoded.hash : undefined;
}
