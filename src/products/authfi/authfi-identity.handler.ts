import type { ServiceImpl } from "@connectrpc/connect";
import { principal } from "../../core/credentials/principal.js";
import { authfiAccessPoint } from "./api-key-credentials.js";
import type { IdentityService as IdentityServiceDesc } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import { authfiUserId, userInfo } from "./authfi-message.js";
import type { AuthfiManagementService } from "./management.service.js";

/** The AuthFi user-management RPCs of IdentityService. */
export type AuthfiIdentityMethods = Pick<ServiceImpl<typeof IdentityServiceDesc>, "authfiListUsers" | "authfiUpdateUser" | "authfiDeleteUser">;

/** AuthFi's user management: proto ↔ domain mapping (the transport checks the API key each declares). */
export function createAuthfiIdentityHandler(deps: { management: AuthfiManagementService }): AuthfiIdentityMethods {
  const { management } = deps;
  return {
    async authfiListUsers(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const { total, users } = await management.listUsers(accessPoint, request.page, request.size);
      return { code: 0, total, users: users.map(userInfo) };
    },
    async authfiUpdateUser(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const user = await management.setUserState(accessPoint, request.userId, request.status || request.state);
      return { code: 0, user: userInfo(user) };
    },
    async authfiDeleteUser(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const { user, deletedKeys } = await management.deleteUser(accessPoint, request.userId);
      return { code: 0, deleteUser: { id: authfiUserId(user), name: user.name }, deleteUserRegisterKeys: deletedKeys };
    },
  };
}
