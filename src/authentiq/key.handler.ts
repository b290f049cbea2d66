import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityService as IdentityServiceDesc } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import type { AuthentiqKeyService } from "./key.service.js";

/** The Authentiq key RPCs of IdentityService: proto ↔ domain mapping only. */
export function createAuthentiqKeyHandler(keys: AuthentiqKeyService): Pick<ServiceImpl<typeof IdentityServiceDesc>, "registerKey" | "getKey" | "revokeKey"> {
  return {
    async registerKey(request) {
      return keys.register(request.jwt);
    },
    async getKey(request) {
      const key = await keys.get(request.pk);
      return { sub: key.sub, since: key.since.toISOString(), status: key.status };
    },
    async revokeKey(request) {
      return keys.revoke(request.pk, request.secret);
    },
  };
}
