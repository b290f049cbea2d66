import { isUuid } from "../../core/errors/uuid.js";
import type { TransferCredential, TransferFactors, TransferIdentity, TransferLock, TransferUser } from "../transfer-user.js";
import { cosePublicKey } from "./cose-key.js";
import { aaguid, binary, checkEmails, counter, distinctCredentials, email, flag, list, object, optionalString, passwordHash, phone, refuse, string, time, totpSecret, transports, username as usernameOf, type Json } from "./fields.js";

/**
 * Tessera's own export: one `TransferUser` a line, as `tessera export` writes it. Lossless: ids,
 * tenants, times, contacts, password hashes, credentials with their user handles and flags, factor
 * settings with the TOTP replay guard (the last step used), AuthFi records, the operator's lock, the
 * product the user was created through and linked provider identities come back as they were. A TOTP secret sealed under the operator's
 * key (`factors.totp.sealed`) is opened with the key file given to the import.
 */
export function readTesseraUser(record: unknown): TransferUser {
  const user = object(record, "the user");
  const id = string(user.id, "id");
  if (!isUuid(id)) refuse("id must be a UUID");
  const createdAt = time(user.createdAt, "createdAt");
  const updatedAt = time(user.updatedAt, "updatedAt");
  const emails = list(user.emails, "emails").map((item, index) => {
    const member = object(item, `emails[${index}]`);
    return { address: email(member.address, `emails[${index}].address`), verified: flag(member.verified, `emails[${index}].verified`), primary: flag(member.primary, `emails[${index}].primary`) };
  });
  checkEmails(emails);
  const phones = list(user.phones, "phones").map((item, index) => {
    const member = object(item, `phones[${index}]`);
    return { number: phone(member.number, `phones[${index}].number`), verified: flag(member.verified, `phones[${index}].verified`) };
  });
  const sourceId = optionalString(user.sourceId, "sourceId");
  return {
    id: id.toLowerCase(),
    ...(sourceId === undefined ? {} : { sourceId }),
    tenant: string(user.tenant, "tenant"),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    emails,
    phones,
    passwordHash: passwordHash(user.passwordHash, "passwordHash"),
    webauthn: distinctCredentials(
      list(user.webauthn, "webauthn").map((item, index) => readCredential(item, `webauthn[${index}]`)),
      (index) => `webauthn[${index}].credentialId`,
    ),
    factors: user.factors === undefined || user.factors === null ? null : readFactors(object(user.factors, "factors")),
    authfi: user.authfi === undefined || user.authfi === null ? null : readAuthfi(object(user.authfi, "authfi")),
    locked: user.locked === undefined || user.locked === null ? null : readLock(object(user.locked, "locked")),
    createdThrough: readCreatedThrough(user.createdThrough),
    username: usernameOf(user.username, "username") ?? null,
    identities: readIdentities(user.identities),
  };
}

function readLock(locked: Json): TransferLock {
  return { at: time(locked.at, "locked.at") ?? refuse("locked.at is required"), reason: optionalString(locked.reason, "locked.reason") ?? null };
}

function readCreatedThrough(value: unknown): string | null {
  const product = optionalString(value, "createdThrough");
  if (product === undefined) return null;
  if (!products.has(product)) refuse("createdThrough must be hanko, authenticator or authfi");
  return product;
}

function readIdentities(value: unknown): TransferIdentity[] {
  const seen = new Set<string>();
  return list(value, "identities").map((item, index) => {
    const at = `identities[${index}]`;
    const member = object(item, at);
    const provider = string(member.provider, `${at}.provider`);
    const providerUserId = string(member.providerUserId, `${at}.providerUserId`);
    const key = JSON.stringify([provider, providerUserId]);
    if (seen.has(key)) refuse(`${at} is given twice`);
    seen.add(key);
    const createdAt = time(member.createdAt, `${at}.createdAt`);
    const updatedAt = time(member.updatedAt, `${at}.updatedAt`);
    const address = member.email === undefined || member.email === null ? null : email(member.email, `${at}.email`);
    return {
      provider,
      providerUserId,
      email: address,
      data: member.data === undefined || member.data === null ? {} : object(member.data, `${at}.data`),
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(updatedAt === undefined ? {} : { updatedAt }),
    };
  });
}

const products = new Set(["hanko", "authenticator", "authfi"]);

function readCredential(item: unknown, path: string): TransferCredential {
  const member = object(item, path);
  const product = string(member.product, `${path}.product`);
  if (!products.has(product)) refuse(`${path}.product must be hanko, authenticator or authfi`);
  const createdAt = time(member.createdAt, `${path}.createdAt`);
  const handle = optionalString(member.userHandle, `${path}.userHandle`);
  return {
    credentialId: binary(member.credentialId, `${path}.credentialId`),
    publicKey: cosePublicKey(member.publicKey, `${path}.publicKey`),
    signCount: counter(member.signCount, `${path}.signCount`),
    transports: transports(member.transports, `${path}.transports`),
    aaguid: aaguid(member.aaguid, `${path}.aaguid`),
    backupEligible: flag(member.backupEligible, `${path}.backupEligible`),
    backedUp: flag(member.backedUp, `${path}.backedUp`),
    userHandle: handle === undefined ? null : binary(handle, `${path}.userHandle`, 64),
    name: optionalString(member.name, `${path}.name`) ?? null,
    product: product as TransferCredential["product"],
    ...(createdAt === undefined ? {} : { createdAt }),
    lastUsedAt: time(member.lastUsedAt, `${path}.lastUsedAt`) ?? null,
  };
}

function readFactors(factors: Json): TransferFactors {
  let totp: TransferFactors["totp"] = null;
  if (factors.totp !== undefined && factors.totp !== null) {
    const member = object(factors.totp, "factors.totp");
    if (member.sealed !== undefined) totp = { sealed: binary(member.sealed, "factors.totp.sealed", 512) };
    else totp = { secret: totpSecret(member.secret, "factors.totp.secret") };
  }
  const isTotpAllowed = flag(factors.isTotpAllowed, "factors.isTotpAllowed");
  // isTotpAllowed with no totp: the export withheld the secret (the factor comes in switched off).
  if (totp !== null && !isTotpAllowed) refuse("factors.totp is given but factors.isTotpAllowed is false");
  const step = factors.lastUsedStep;
  if (step !== undefined && step !== null && (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step > 0x7fffffff)) refuse("factors.lastUsedStep must be an integer from 0 to 2147483647");
  return {
    isCodeAllowed: flag(factors.isCodeAllowed, "factors.isCodeAllowed", true),
    isTotpAllowed,
    isDeviceAllowed: flag(factors.isDeviceAllowed, "factors.isDeviceAllowed"),
    totp,
    lastUsedStep: typeof step === "number" ? step : null,
  };
}

function readAuthfi(authfi: Json): TransferUser["authfi"] {
  const state = authfi.state ?? "activate";
  if (state !== "activate" && state !== "suspend") refuse('authfi.state must be "activate" or "suspend"');
  const name = string(authfi.name, "authfi.name");
  return { name, displayName: optionalString(authfi.displayName, "authfi.displayName") ?? name, state };
}
