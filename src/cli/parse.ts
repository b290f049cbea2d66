import { isImportFormat, type ImportFormat } from "../transfer/formats/index.js";
import { areaHelp, usageLine, wholeHelp, type Area } from "./usage.js";

/** A relying party's state as the `rp` commands take it. */
export type TenantState = "active" | "trial" | "suspended";

/** What `rp create` and `rp update` may set. */
export interface RelyingPartyOptions {
  state?: TenantState;
  userCap?: number | null;
}

/** One operator command, its arguments checked. */
export type Command =
  | { area: "keys"; action: "list" }
  | { area: "keys"; action: "rotate"; alg: "RS256" | "EdDSA" }
  | { area: "keys"; action: "retire"; kid: string }
  | { area: "rp"; action: "create" | "update"; slug: string; options: RelyingPartyOptions }
  | { area: "rp"; action: "rotate-key"; slug: string }
  | { area: "outbox"; action: "list" }
  | { area: "outbox"; action: "retry"; ids: string[] | "all" }
  | { area: "import"; action: ImportFormat; file: string; dryRun: boolean; mappingOut?: string; totpKeyFile?: string }
  | { area: "export"; action: "users"; file: string; resealKeyFile?: string };

/** What the command line asks for: help (exit 0), a refusal (exit 2) or a command to run. */
export type Parsed = { kind: "help"; text: string } | { kind: "refused"; message: string; usage: string } | { kind: "run"; command: Command };

const isArea = (value: string | undefined): value is Area => value !== undefined && Object.hasOwn(areaHelp, value);
const messageId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads `npm run tessera -- …` arguments; never touches a database. */
export function parseCommandLine(args: string[]): Parsed {
  const [area, action, ...rest] = args;
  if (area === undefined) return { kind: "refused", message: "no command given", usage: usageLine };
  if (area === "--help" || area === "-h" || area === "help") return { kind: "help", text: wholeHelp };
  if (!isArea(area)) return { kind: "refused", message: `unknown command "${area}"`, usage: usageLine };
  if (args.slice(1).some((arg) => arg === "--help" || arg === "-h")) return { kind: "help", text: areaHelp[area] };
  const refuse = (message: string): Parsed => ({ kind: "refused", message, usage: areaHelp[area] });
  if (action === undefined) return refuse(`${area}: no command given`);
  const command = parseArea(area, action, rest);
  return typeof command === "string" ? refuse(`${area} ${action}: ${command}`) : { kind: "run", command };
}

/** The command, or why its arguments are refused. */
function parseArea(area: Area, action: string, rest: string[]): Command | string {
  switch (area) {
    case "keys":
      return parseKeys(action, rest);
    case "rp":
      return parseRelyingParty(action, rest);
    case "outbox":
      return parseOutbox(action, rest);
    case "import":
      return parseImport(action, rest);
    case "export":
      return parseExport(action, rest);
  }
}

function parseKeys(action: string, rest: string[]): Command | string {
  if (action === "list") return rest.length === 0 ? { area: "keys", action } : `unexpected "${rest[0]}"`;
  if (action === "rotate") {
    const [alg, extra] = rest;
    if (alg !== "RS256" && alg !== "EdDSA") return "takes RS256 or EdDSA";
    return extra === undefined ? { area: "keys", action, alg } : `unexpected "${extra}"`;
  }
  if (action === "retire") {
    const [kid, extra] = rest;
    if (kid === undefined || kid.startsWith("-")) return "takes the kid of a published key (from keys list)";
    return extra === undefined ? { area: "keys", action, kid } : `unexpected "${extra}"`;
  }
  return "unknown command";
}

function parseRelyingParty(action: string, rest: string[]): Command | string {
  if (action !== "create" && action !== "update" && action !== "rotate-key") return "unknown command";
  const [slug, ...flags] = rest;
  if (slug === undefined || slug.startsWith("-")) return "takes an access point first";
  if (action === "rotate-key") return flags.length === 0 ? { area: "rp", action, slug } : `unexpected "${flags[0]}"`;
  const options: RelyingPartyOptions = {};
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i], flags[i + 1]];
    if (flag === "--state" && (value === "active" || value === "trial" || value === "suspended")) options.state = value;
    else if (flag === "--user-cap" && value !== undefined && (action === "update" ? /^(\d{1,9}|none)$/ : /^\d{1,9}$/).test(value)) options.userCap = value === "none" ? null : Number(value);
    else if (flag === "--state" || flag === "--user-cap") return `${flag} does not take "${value ?? ""}"`;
    else return `unknown option "${flag}"`;
  }
  if (action === "update" && options.state === undefined && options.userCap === undefined) return "takes --state or --user-cap";
  return { area: "rp", action, slug, options };
}

function parseOutbox(action: string, rest: string[]): Command | string {
  if (action === "list") return rest.length === 0 ? { area: "outbox", action } : `unexpected "${rest[0]}"`;
  if (action === "retry") {
    if (rest.length === 1 && rest[0] === "--all") return { area: "outbox", action, ids: "all" };
    if (rest.length === 0 || !rest.every((id) => messageId.test(id))) return "takes message ids (from outbox list) or --all";
    return { area: "outbox", action, ids: rest };
  }
  return "unknown command";
}

function parseImport(format: string, rest: string[]): Command | string {
  if (!isImportFormat(format)) return "takes a format first: hanko, kratos, authenticator, authfi or tessera";
  const [file, ...flags] = rest;
  if (file === undefined || (file.startsWith("-") && file !== "-")) return "takes the file to import after the format";
  const command: Extract<Command, { area: "import" }> = { area: "import", action: format, file, dryRun: false };
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (flag === "--dry-run") command.dryRun = true;
    else if (flag === "--mapping-out" || flag === "--totp-key-file") {
      const value = flags[++i];
      if (value === undefined || value.startsWith("-")) return `${flag} takes a file`;
      if (flag === "--mapping-out") command.mappingOut = value;
      else command.totpKeyFile = value;
    } else return `unknown option "${flag}"`;
  }
  return command;
}

function parseExport(file: string, flags: string[]): Command | string {
  if (file.startsWith("-") && file !== "-") return "takes the file to write first";
  let include = false;
  let resealKeyFile: string | undefined;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (flag === "--include-totp-secrets") include = true;
    else if (flag === "--reseal-key-file") {
      resealKeyFile = flags[++i];
      if (resealKeyFile === undefined || resealKeyFile.startsWith("-")) return "--reseal-key-file takes a key file";
    } else return `unknown option "${flag}"`;
  }
  if (include !== (resealKeyFile !== undefined)) return "--include-totp-secrets and --reseal-key-file go together (secrets are never written in clear)";
  return { area: "export", action: "users", file, ...(resealKeyFile === undefined ? {} : { resealKeyFile }) };
}
