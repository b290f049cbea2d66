import type { TransferCredential } from "../transfer-user.js";
import { cosePublicKey } from "./cose-key.js";
import { aaguid, binary, counter, flag, object, optionalString, time, transports } from "./fields.js";

/**
 * A WebAuthn credential in the flat shape of the Authenticator API's and AuthFi's dumps and of
 * Tessera's export: `credential_id`, `public_key` (COSE), `sign_count`, `transports`, `aaguid`,
 * `backup_eligible`, `backed_up`, `user_handle`, `name`, `created_at`, `last_used_at`.
 */
export function readFlatCredential(item: unknown, path: string, product: TransferCredential["product"], defaultHandle: string | null): TransferCredential {
  const member = object(item, path);
  const createdAt = time(member.created_at, `${path}.created_at`);
  const handle = optionalString(member.user_handle, `${path}.user_handle`);
  return {
    credentialId: binary(member.credential_id, `${path}.credential_id`),
    publicKey: cosePublicKey(member.public_key, `${path}.public_key`),
    signCount: counter(member.sign_count, `${path}.sign_count`),
    transports: transports(member.transports, `${path}.transports`),
    aaguid: aaguid(member.aaguid, `${path}.aaguid`),
    backupEligible: flag(member.backup_eligible, `${path}.backup_eligible`),
    backedUp: flag(member.backed_up, `${path}.backed_up`),
    userHandle: handle === undefined ? defaultHandle : binary(handle, `${path}.user_handle`, 64),
    name: optionalString(member.name, `${path}.name`) ?? null,
    product,
    ...(createdAt === undefined ? {} : { createdAt }),
    lastUsedAt: time(member.last_used_at, `${path}.last_used_at`) ?? null,
  };
}

/** The user handle an authenticator holds for a user whose source id was not a UUID: the id's UTF-8 bytes. */
export function sourceHandle(sourceId: string | undefined): string | null {
  return sourceId === undefined ? null : Buffer.from(sourceId).toString("base64url");
}
