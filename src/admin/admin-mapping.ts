import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { DirectoryCredential, DirectorySession, DirectoryUser } from "./user-directory.port.js";

/** A directory user as the proto's `User`. */
export function userMessage(user: DirectoryUser) {
  return { id: user.id, created: timestampFromDate(user.createdAt), email: user.email ?? "", phone: user.phone ?? "", products: user.products, locked: user.locked };
}

/** The opaque id of a session or credential: `<type>:<id>`. */
export function typedId(type: string, id: string): string {
  return `${type}:${id}`;
}

/** The type and id of an opaque id, when it has one of `types`. */
export function parseTypedId<T extends string>(value: string, types: readonly T[]): { type: T; id: string } | undefined {
  const at = value.indexOf(":");
  if (at < 0) return undefined;
  const type = value.slice(0, at) as T;
  return types.includes(type) ? { type, id: value.slice(at + 1) } : undefined;
}

/** A directory session as the proto's `Session`. */
export function sessionMessage(session: DirectorySession) {
  return {
    id: typedId(session.type, session.id),
    type: session.type,
    product: session.product,
    state: session.state,
    created: timestampFromDate(session.createdAt),
    expiresAt: timestampFromDate(session.expiresAt),
  };
}

/** A directory credential as the proto's `UserCredential`. */
export function credentialMessage(credential: DirectoryCredential) {
  return {
    id: typedId(credential.type, credential.id),
    type: credential.type,
    product: credential.product,
    name: credential.name,
    created: timestampFromDate(credential.createdAt),
    lastUsed: credential.lastUsedAt === undefined ? undefined : timestampFromDate(credential.lastUsedAt),
    aaguid: credential.aaguid,
  };
}
