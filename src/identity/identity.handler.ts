import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityService as IdentityServiceDesc } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import type { IdentityService } from "./identity.service.js";

/** The IdentityService RPCs: proto ↔ domain mapping only. */
export function createIdentityHandler(service: IdentityService): ServiceImpl<typeof IdentityServiceDesc> {
  return {
    async createUser(request) {
      return service.createUser(request.email);
    },
    async findUserByEmail(request) {
      const user = await service.getUserByEmail(request.email);
      return { id: user.userId, emailId: user.emailId, verified: user.verified, hasWebauthnCredential: user.hasWebauthnCredential };
    },
  };
}
