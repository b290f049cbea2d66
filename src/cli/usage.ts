/** The operator command's help: one text per area, and the whole. */
export const areaHelp = {
  keys: `usage: npm run tessera -- keys <command>
  keys list                 the published signing keys (the one that signs first, per algorithm)
  keys rotate RS256|EdDSA   add a key that signs from now on; older keys stay published
  keys retire <kid>         stop publishing a key (tokens it signed stop verifying)
Running servers on the same PostgreSQL database pick the change up within seconds.`,
  rp: `usage: npm run tessera -- rp <command> <access-point> [options]
  rp create <access-point> [--state active|trial|suspended] [--user-cap N]
                            a new AuthFi relying party; prints its API key (shown only once)
  rp update <access-point> [--state active|trial|suspended] [--user-cap N|none]
                            change a relying party's state (suspended: code 1001) or user cap
  rp rotate-key <access-point>
                            a new API key for a relying party (printed once); its other keys stop working`,
  outbox: `usage: npm run tessera -- outbox <command>
  outbox list               dead-lettered messages (expired before they could be delivered)
  outbox retry <id>…|--all  queue dead-lettered messages again (those without an expiry of
                            their own for another 24 hours; expired codes are reported, not sent)`,
  import: `usage: npm run tessera -- import <format> <file> [--dry-run] [--mapping-out FILE] [--totp-key-file KEYFILE]
  formats: hanko, kratos, authenticator, authfi, tessera (docs/import/ describes each, with a sample)
  <file>                    JSON Lines or one JSON array of users, read as it streams (- reads stdin)
  --dry-run                 validate every record and print the counts; store nothing
  --mapping-out FILE        write source id,Tessera id,tenant (CSV) for users whose ids were not UUIDs
  --totp-key-file KEYFILE   open TOTP secrets a Tessera export sealed under this key
Safe to repeat and to interrupt: users already there (same id) are left unchanged; a refused
record is reported with its line and reason and the others are imported.`,
  export: `usage: npm run tessera -- export <file> [--include-totp-secrets --reseal-key-file KEYFILE]
  <file>                    where to write the users, one JSON line each (- writes stdout)
  --include-totp-secrets    include confirmed TOTP secrets, sealed under --reseal-key-file
  --reseal-key-file KEYFILE a 32-byte key (64 hex digits or base64) the secrets are sealed under`,
} as const;

/** An area of the operator command. */
export type Area = keyof typeof areaHelp;

/** One line for a refusal: what the command accepts. */
export const usageLine = "usage: npm run tessera -- keys|rp|outbox|import|export <command> [arguments]   (--help, or <area> --help)";

/** `npm run tessera -- --help`. */
export const wholeHelp = `${usageLine}

Operator commands against the configured database (DATABASE_URL, else the embedded one in
DATA_DIR; with the embedded database, stop the server first: it holds DATA_DIR).

${areaHelp.keys}

${areaHelp.rp}

${areaHelp.outbox}

${areaHelp.import}

${areaHelp.export}`;
