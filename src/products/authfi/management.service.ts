import type { Kysely } from "kysely";
import type { Schema } from "../../store/schema.js";
import { isBinary, toBase64url, userIdOfHandle } from "../../core/webauthn/webauthn-encoding.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { CredentialStore } from "../../core/webauthn/credential.port.js";
import { authfiError } from "./authfi-errors.js";
import { countUsers, deleteUser, findUser, listUsers, updateUserState, type AuthfiUserRow } from "../../store/authfi/authfi-user.store.js";
import type { AccessPoint } from "./tenant.service.js";

/** Users per page: from 20 to 100, 20 by default (seed 003, `GET /users`). */
export const pageSizes = { min: 20, max: 100, fallback: 20 } as const;

/** AuthFi's management of an access point's users and their keys (seed 003, "Management"). */
export interface AuthfiManagementService {
  /** Throws AUTHFI_INVALID_PARAMETER (1002) for a page below 1 or past the last, or a size out of range. */
  listUsers(accessPoint: AccessPoint, page: number | undefined, size: number | undefined): Promise<{ total: number; users: AuthfiUserRow[] }>;
  /** `status` is `activate` or `suspend`. */
  setUserState(accessPoint: AccessPoint, userId: string, status: string): Promise<AuthfiUserRow>;
  /** Deletes the user and all their keys; gives the user and how many keys went. */
  deleteUser(accessPoint: AccessPoint, userId: string): Promise<{ user: AuthfiUserRow; deletedKeys: number }>;
  listKeys(accessPoint: AccessPoint, userId: string): Promise<WebauthnCredential[]>;
  /** An empty name clears it. */
  renameKey(accessPoint: AccessPoint, userId: string, keyId: string, name: string): Promise<WebauthnCredential>;
  deleteKey(accessPoint: AccessPoint, userId: string, keyId: string): Promise<void>;
}

/** Creates the management service. */
export function createAuthfiManagementService(deps: { db: Kysely<Schema>; ceremony: WebauthnCeremony; credentialsIn: (tx: Kysely<Schema>) => CredentialStore }): AuthfiManagementService {
  const { db, ceremony, credentialsIn } = deps;
  const userOf = async (tx: Kysely<Schema>, accessPoint: AccessPoint, userId: string, lock = false): Promise<AuthfiUserRow> => {
    const id = userIdOfHandle(userId);
    const user = id === undefined ? undefined : await findUser(tx, accessPoint.tenantId, id, lock);
    if (user === undefined) throw authfiError("userNotFound", "no such user at this access point");
    return user;
  };
  const keyOf = (keyId: string): string => {
    if (!isBinary(keyId)) throw authfiError("keyNotFound", "no such key");
    return toBase64url(keyId);
  };

  return {
    async listUsers(accessPoint, page = 1, size = pageSizes.fallback) {
      if (size < pageSizes.min || size > pageSizes.max) throw authfiError("invalidParameter", `size must be from ${pageSizes.min} to ${pageSizes.max}`);
      const total = await countUsers(db, accessPoint.tenantId);
      const lastPage = Math.max(1, Math.ceil(total / size));
      if (page < 1 || page > lastPage) throw authfiError("invalidParameter", `page must be from 1 to ${lastPage}`);
      return { total, users: await listUsers(db, accessPoint.tenantId, (page - 1) * size, size) };
    },

    async setUserState(accessPoint, userId, status) {
      if (status !== "activate" && status !== "suspend") throw authfiError("invalidParameter", "status must be activate or suspend");
      const user = await userOf(db, accessPoint, userId);
      const updated = await updateUserState(db, accessPoint.tenantId, user.user_id, status);
      if (updated === undefined) throw authfiError("userNotFound", "no such user at this access point");
      return updated;
    },

    async deleteUser(accessPoint, userId) {
      return db.transaction().execute(async (tx) => {
        const user = await userOf(tx, accessPoint, userId, true);
        const keys = await ceremony.list(accessPoint.tenantId, user.user_id, credentialsIn(tx));
        await deleteUser(tx, accessPoint.tenantId, user.user_id);
        return { user, deletedKeys: keys.length };
      });
    },

    async listKeys(accessPoint, userId) {
      const user = await userOf(db, accessPoint, userId);
      return ceremony.list(accessPoint.tenantId, user.user_id);
    },

    async renameKey(accessPoint, userId, keyId, name) {
      const trimmed = name.trim();
      if ([...trimmed].length > 128) throw authfiError("invalidParameter", "name must be at most 128 characters");
      const user = await userOf(db, accessPoint, userId);
      const key = await ceremony.rename(user.tenant_id, user.user_id, keyOf(keyId), trimmed === "" ? null : trimmed);
      if (key === undefined) throw authfiError("keyNotFound", "no such key for this user");
      return key;
    },

    async deleteKey(accessPoint, userId, keyId) {
      const user = await userOf(db, accessPoint, userId);
      if (!(await ceremony.remove(user.tenant_id, user.user_id, keyOf(keyId)))) throw authfiError("keyNotFound", "no such key for this user");
    },
  };
}
