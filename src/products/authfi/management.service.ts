import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import { isBinary, toBase64url, userIdOfHandle } from "../../core/webauthn/webauthn-encoding.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import { authfiError } from "./authfi-errors.js";
import type { AuthfiUser, AuthfiUserStore } from "./authfi-user.port.js";
import type { AccessPoint } from "./tenant.service.js";

/** Users per page: from 20 to 100, 20 by default (seed 003, `GET /users`). */
export const pageSizes = { min: 20, max: 100, fallback: 20 } as const;

/** AuthFi's management of an access point's users and their keys (seed 003, "Management"). */
export interface AuthfiManagementService {
  /** Throws AUTHFI_INVALID_PARAMETER (1002) for a page below 1 or past the last, or a size out of range. */
  listUsers(accessPoint: AccessPoint, page: number | undefined, size: number | undefined): Promise<{ total: number; users: AuthfiUser[] }>;
  /** `status` is `activate` or `suspend`. */
  setUserState(accessPoint: AccessPoint, userId: string, status: string): Promise<AuthfiUser>;
  /** Deletes the user and all their keys; gives the user and how many keys went. */
  deleteUser(accessPoint: AccessPoint, userId: string): Promise<{ user: AuthfiUser; deletedKeys: number }>;
  listKeys(accessPoint: AccessPoint, userId: string): Promise<WebauthnCredential[]>;
  /** An empty name clears it. */
  renameKey(accessPoint: AccessPoint, userId: string, keyId: string, name: string): Promise<WebauthnCredential>;
  deleteKey(accessPoint: AccessPoint, userId: string, keyId: string): Promise<void>;
}

/** Creates the management service. */
export function createAuthfiManagementService<Tx>(deps: { users: AuthfiUserStore<Tx>; transaction: RunInTransaction<Tx>; ceremony: WebauthnCeremony; audit?: AuditLog<Tx> }): AuthfiManagementService {
  const { users, transaction, ceremony } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  /** The user of a handle; locked for the rest of `tx` when given. */
  const userOf = async (accessPoint: AccessPoint, userId: string, tx?: Tx): Promise<AuthfiUser> => {
    const id = userIdOfHandle(userId);
    const user = id === undefined ? undefined : tx === undefined ? await users.find(accessPoint.tenantId, id) : await users.lock(tx, accessPoint.tenantId, id);
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
      const total = await users.count(accessPoint.tenantId);
      const lastPage = Math.max(1, Math.ceil(total / size));
      if (page < 1 || page > lastPage) throw authfiError("invalidParameter", `page must be from 1 to ${lastPage}`);
      return { total, users: await users.list(accessPoint.tenantId, (page - 1) * size, size) };
    },

    async setUserState(accessPoint, userId, status) {
      if (status !== "activate" && status !== "suspend") throw authfiError("invalidParameter", "status must be activate or suspend");
      return transaction(async (tx) => {
        const user = await userOf(accessPoint, userId, tx);
        const updated = await users.updateState(accessPoint.tenantId, user.userId, status, tx);
        if (updated === undefined) throw authfiError("userNotFound", "no such user at this access point");
        await audit.record(tx, { type: status === "suspend" ? "user.locked" : "user.unlocked", outcome: "success", product: "authfi", tenantId: accessPoint.tenantId, userId: user.userId });
        return updated;
      });
    },

    async deleteUser(accessPoint, userId) {
      return transaction(async (tx) => {
        const user = await userOf(accessPoint, userId, tx);
        const keys = await ceremony.list(accessPoint.tenantId, user.userId, users.credentialsIn(tx));
        await users.remove(tx, accessPoint.tenantId, user.userId);
        await audit.record(tx, { type: "user.deleted", outcome: "success", product: "authfi", tenantId: accessPoint.tenantId, userId: user.userId, details: { deleted_keys: keys.length } });
        return { user, deletedKeys: keys.length };
      });
    },

    async listKeys(accessPoint, userId) {
      const user = await userOf(accessPoint, userId);
      return ceremony.list(accessPoint.tenantId, user.userId);
    },

    async renameKey(accessPoint, userId, keyId, name) {
      const trimmed = name.trim();
      if ([...trimmed].length > 128) throw authfiError("invalidParameter", "name must be at most 128 characters");
      const user = await userOf(accessPoint, userId);
      const key = await ceremony.rename(user.tenantId, user.userId, keyOf(keyId), trimmed === "" ? null : trimmed);
      if (key === undefined) throw authfiError("keyNotFound", "no such key for this user");
      return key;
    },

    async deleteKey(accessPoint, userId, keyId) {
      const user = await userOf(accessPoint, userId);
      if (!(await ceremony.remove(user.tenantId, user.userId, keyOf(keyId)))) throw authfiError("keyNotFound", "no such key for this user");
    },
  };
}
