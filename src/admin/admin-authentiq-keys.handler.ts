import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DomainError } from "../core/errors/domain-error.js";
import type { AdminActions } from "./admin-action.port.js";
import { principalOf } from "./admin-context.js";
import type { AdminHandlers } from "./admin-service.js";
import type { AuthentiqKeyDirectory, AuthentiqKeyPosition, DirectoryAuthentiqKey } from "./authentiq-key-directory.port.js";
import { decodeOpaqueToken, encodeOpaqueToken, isPositionTime, pageSizeOf } from "./page-token.js";

/** An Authentiq key's `pk`: 43 base64url characters (an Ed25519 public key). */
const pkPattern = /^[A-Za-z0-9_-]{43}$/;

/** What the Authentiq key RPCs need. */
export interface AdminAuthentiqKeysDeps {
  keys: AuthentiqKeyDirectory;
  actions: AdminActions;
}

/** AdminService's Authentiq key RPCs: ListAuthentiqKeys, DeleteAuthentiqKey. */
export function createAdminAuthentiqKeysHandler(deps: AdminAuthentiqKeysDeps): AdminHandlers {
  const { keys, actions } = deps;
  return {
    async listAuthentiqKeys(request) {
      const limit = pageSizeOf(request.pageSize);
      // One more than the page: whether there is a next page is known without a count.
      const found = await keys.list({ includeRevoked: request.includeRevoked, after: decodeKeyPageToken(request.pageToken), limit: limit + 1 });
      const page = found.slice(0, limit);
      const last = page.at(-1);
      return { keys: page.map(keyMessage), nextPageToken: found.length > limit && last !== undefined ? encodeOpaqueToken([last.position.createdAt, last.position.pk]) : "" };
    },
    async deleteAuthentiqKey(request, context) {
      if (!pkPattern.test(request.pk)) throw new DomainError("INVALID_KEY", "invalid", "pk must be a 43-character base64url Ed25519 public key");
      const actor = principalOf(context).keyId;
      const record = (tx: unknown) => actions.record(tx, { type: "credential.deleted", actor, details: { kind: "authentiq_key", key: request.pk } });
      if (!(await keys.revoke(request.pk, record))) throw new DomainError("UNKNOWN_KEY", "not_found", "no such live Authentiq key");
      return {};
    },
  };
}

function decodeKeyPageToken(token: string): AuthentiqKeyPosition | undefined {
  const parts = decodeOpaqueToken(token, 2, ([createdAt, pk]) => isPositionTime(createdAt!) && pkPattern.test(pk!));
  return parts === undefined ? undefined : { createdAt: parts[0]!, pk: parts[1]! };
}

function keyMessage(key: DirectoryAuthentiqKey) {
  return {
    pk: key.pk,
    created: timestampFromDate(key.createdAt),
    revoked: key.revokedAt === undefined ? undefined : timestampFromDate(key.revokedAt),
    contactBound: key.contactBound,
    pushRegistered: key.pushRegistered,
  };
}
