import { base64url, userHandle } from "../../core/webauthn/webauthn-encoding.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { AuthfiUser } from "./authfi-user.port.js";

/** Unix seconds (UTC) of a time. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The AuthFi user id: base64url of the WebAuthn user handle (the UUID's 16 bytes). */
export function authfiUserId(user: AuthfiUser): string {
  return base64url(userHandle(user.userId));
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
export function userInfo(user: AuthfiUser) {
  return { id: authfiUserId(user), name: user.name, state: user.state, createTime: unixSeconds(user.createdAt), updateTime: unixSeconds(user.updatedAt) };
}
