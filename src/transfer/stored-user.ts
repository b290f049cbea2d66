import type { SecretBox } from "../core/keys/secret-box.js";
import { openTotpSecret, sealTotpSecret } from "../products/authenticator/totp-secret.js";
import type { OperatorKey } from "./operator-key.js";
import type { StoredUser, UserToStore } from "./transfer.port.js";
import type { TransferUser } from "./transfer-user.js";
import { RecordRefused } from "./formats/fields.js";

/** The AES-256-GCM context of a TOTP secret sealed under an operator's key in an export. */
function exportContext(userId: string): string {
  return `tessera-export-totp:${userId}`;
}

/**
 * The user as the store takes it: binaries decoded, a clear TOTP secret sealed with the server's
 * key as enrolment seals it, one sealed in an export opened with the operator's key first (refused
 * without it). A TOTP factor whose secret was withheld from the export comes in switched off: a
 * factor that cannot verify must not be required.
 */
export function toStore(user: TransferUser, tenantId: string, secrets: SecretBox, exportKey: OperatorKey | undefined): UserToStore {
  let factors: UserToStore["factors"] = null;
  if (user.factors !== null) {
    const { totp } = user.factors;
    let secret: string | undefined;
    if (totp !== null && "sealed" in totp) {
      if (exportKey === undefined) throw new RecordRefused("factors.totp is sealed: give the key it was sealed with (--totp-key-file)");
      try {
        secret = exportKey.open(Buffer.from(totp.sealed, "base64url"), exportContext(user.id)).toString("utf8");
      } catch {
        throw new RecordRefused("factors.totp does not open with the key given");
      }
    } else if (totp !== null) secret = totp.secret;
    factors = {
      isCodeAllowed: user.factors.isCodeAllowed,
      isTotpAllowed: user.factors.isTotpAllowed && secret !== undefined,
      isDeviceAllowed: user.factors.isDeviceAllowed,
      sealedTotpSecret: user.factors.isTotpAllowed && secret !== undefined ? sealTotpSecret(secrets, user.id, secret) : null,
      // The replay guard goes with the secret it guards: a code already used never logs in again.
      totpLastUsedStep: user.factors.isTotpAllowed && secret !== undefined ? (user.factors.lastUsedStep ?? null) : null,
    };
  }
  const addresses = new Set(user.emails.map((email) => email.address));
  for (const identity of user.identities ?? []) {
    if (identity.email !== null && !addresses.has(identity.email)) throw new RecordRefused(`identity ${identity.provider}/${identity.providerUserId} names email ${identity.email}, which the user does not have`);
  }
  return {
    id: user.id,
    tenantId,
    createdAt: user.createdAt === undefined ? undefined : new Date(user.createdAt),
    updatedAt: user.updatedAt === undefined ? undefined : new Date(user.updatedAt),
    emails: user.emails,
    phones: user.phones,
    passwordHash: user.passwordHash,
    credentials: user.webauthn.map((credential) => ({
      product: credential.product,
      credentialId: Buffer.from(credential.credentialId, "base64url"),
      publicKey: Buffer.from(credential.publicKey, "base64url"),
      signCount: credential.signCount,
      transports: credential.transports,
      aaguid: credential.aaguid,
      backupEligible: credential.backupEligible,
      backedUp: credential.backedUp,
      userHandle: credential.userHandle === null ? null : Buffer.from(credential.userHandle, "base64url"),
      name: credential.name,
      createdAt: credential.createdAt === undefined ? undefined : new Date(credential.createdAt),
      lastUsedAt: credential.lastUsedAt === undefined || credential.lastUsedAt === null ? null : new Date(credential.lastUsedAt),
    })),
    factors,
    authfi: user.authfi,
    locked: user.locked === undefined || user.locked === null ? null : { at: new Date(user.locked.at), reason: user.locked.reason },
    createdThrough: user.createdThrough ?? null,
    username: user.username ?? null,
    identities: (user.identities ?? []).map((identity) => ({
      provider: identity.provider,
      providerUserId: identity.providerUserId,
      email: identity.email,
      data: identity.data,
      createdAt: identity.createdAt === undefined ? undefined : new Date(identity.createdAt),
      updatedAt: identity.updatedAt === undefined ? undefined : new Date(identity.updatedAt),
    })),
  };
}

/**
 * A stored user as a line of Tessera's export: TOTP secrets only with `exportKey` (re-sealed under
 * it, never clear), else the factor says TOTP is on and its secret is withheld (`totp: null`).
 */
export function fromStore(user: StoredUser, secrets: SecretBox, exportKey: OperatorKey | undefined): TransferUser & { products: string[] } {
  let totp: { sealed: string } | null = null;
  const sealed = user.factors?.sealedTotpSecret ?? null;
  if (sealed !== null && exportKey !== undefined) {
    const secret = openTotpSecret(secrets, user.id, sealed);
    totp = { sealed: exportKey.seal(Buffer.from(secret), exportContext(user.id)).toString("base64url") };
  }
  const products = new Set<string>(user.credentials.map((credential) => credential.product));
  if (user.factors !== null) products.add("authenticator");
  if (user.authfi !== null) products.add("authfi");
  if (user.tenant === "default") products.add("hanko");
  return {
    id: user.id,
    tenant: user.tenant,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    products: [...products].sort(),
    emails: user.emails,
    phones: user.phones,
    passwordHash: user.passwordHash,
    webauthn: user.credentials.map((credential) => ({
      credentialId: Buffer.from(credential.credentialId).toString("base64url"),
      publicKey: Buffer.from(credential.publicKey).toString("base64url"),
      signCount: credential.signCount,
      transports: credential.transports,
      aaguid: credential.aaguid,
      backupEligible: credential.backupEligible,
      backedUp: credential.backedUp,
      userHandle: credential.userHandle === null ? null : Buffer.from(credential.userHandle).toString("base64url"),
      name: credential.name,
      product: credential.product as "hanko" | "authenticator" | "authfi",
      createdAt: credential.createdAt.toISOString(),
      lastUsedAt: credential.lastUsedAt === null ? null : credential.lastUsedAt.toISOString(),
    })),
    factors:
      user.factors === null
        ? null
        : { isCodeAllowed: user.factors.isCodeAllowed, isTotpAllowed: user.factors.isTotpAllowed, isDeviceAllowed: user.factors.isDeviceAllowed, totp, lastUsedStep: totp === null ? null : user.factors.totpLastUsedStep },
    authfi: user.authfi,
    locked: user.locked === null ? null : { at: user.locked.at.toISOString(), reason: user.locked.reason },
    createdThrough: user.createdThrough,
    username: user.username,
    identities: user.identities.map((identity) => ({
      provider: identity.provider,
      providerUserId: identity.providerUserId,
      email: identity.email,
      data: identity.data,
      createdAt: identity.createdAt.toISOString(),
      updatedAt: identity.updatedAt.toISOString(),
    })),
  };
}
