import type { HandlerContext } from "@connectrpc/connect";
import { base64url, userHandle } from "../../core/webauthn/webauthn-encoding.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { AuthfiUserRow } from "../../store/authfi/authfi-user.store.js";
import type { AccessPoint, AccessPointService } from "./tenant.service.js";

/** The header (REST) or metadata (gRPC, Connect) carrying the access point's API key. */
export const apiKeyHeader = "at-x-key";

/** The access point a call acts for, from its path and its `AT-X-KEY`. */
export function authorize(accessPoints: AccessPointService, accessPoint: string, context: HandlerContext): Promise<AccessPoint> {
  return accessPoints.authenticate(accessPoint, context.requestHeader.get(apiKeyHeader));
}

/** Unix seconds (UTC) of a time. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The AuthFi user id: base64url of the WebAuthn user handle (the UUID's 16 bytes). */
export function authfiUserId(user: AuthfiUserRow): string {
  return base64url(userHandle(user.user_id));
}

/** A key as AuthFi's `key_info`. */
export function keyInfo(key: WebauthnCredential) {
  return {
    credentialId: key.credentialId,
    counter: key.signCount,
    name: key.name ?? "",
    createTime: unixSeconds(key.createdAt),
    updateTime: unixSeconds(key.updatedAt),
  };
}

/** A user as one of AuthFi's `users`. */
export function userInfo(user: AuthfiUserRow) {
  return { id: authfiUserId(user), name: user.name, state: user.state, createTime: unixSeconds(user.created_at), updateTime: unixSeconds(user.updated_at) };
}
