import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityService as IdentityServiceDesc } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import type { AuthentiqKeyService } from "./key.service.js";
import type { RevocationService } from "./revocation.service.js";

/** The IdentityService RPCs this handler serves. */
export type AuthentiqKeyRpcs = Pick<ServiceImpl<typeof IdentityServiceDesc>, "registerKey" | "getKey" | "updateKey" | "bindKey" | "revokeKey" | "revokeKeyByContact">;

/** The Authentiq key RPCs of IdentityService: proto ↔ domain mapping only. */
export function createAuthentiqKeyHandler(keys: AuthentiqKeyService, revocations: RevocationService): AuthentiqKeyRpcs {
  return {
    registerKey: (request) => keys.register(request.jwt),
    async getKey(request) {
      const key = await keys.get(request.pk);
      return { sub: key.sub, since: key.since.toISOString(), status: key.status };
    },
    updateKey: (request) => keys.update(request.pk, request.jwt),
    bindKey: (request) => keys.bind(request.pk, request.jwt),
    revokeKey: (request) => keys.revoke(request.pk, request.secret),
    revokeKeyByContact: (request) => revocations.revokeByContact(request.email, request.phone, request.code),
  };
}
