import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityService as IdentityServiceDesc } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import { authfiUserId, authorize, userInfo } from "./authfi-message.js";
import type { AuthfiManagementService } from "./management.service.js";
import type { AccessPointService } from "./tenant.service.js";

/** The AuthFi user-management RPCs of IdentityService. */
export type AuthfiIdentityMethods = Pick<ServiceImpl<typeof IdentityServiceDesc>, "authfiListUsers" | "authfiUpdateUser" | "authfiDeleteUser">;

/** AuthFi's user management: the API key check, then proto ↔ domain mapping. */
export function createAuthfiIdentityHandler(deps: { accessPoints: AccessPointService; management: AuthfiManagementService }): AuthfiIdentityMethods {
  const { accessPoints, management } = deps;
  return {
    async authfiListUsers(request, context) {
      const accessPoint = await authorize(accessPoints, request.accessPoint, context);
      const { total, users } = await management.listUsers(accessPoint, request.page, request.size);
      return { code: 0, total, users: users.map(userInfo) };
    },
    async authfiUpdateUser(request, context) {
      const accessPoint = await authorize(accessPoints, request.accessPoint, context);
      const user = await management.setUserState(accessPoint, request.userId, request.status || request.state);
      return { code: 0, user: userInfo(user) };
    },
    async authfiDeleteUser(request, context) {
      const accessPoint = await authorize(accessPoints, request.accessPoint, context);
      const { user, deletedKeys } = await management.deleteUser(accessPoint, request.userId);
      return { code: 0, deleteUser: { id: authfiUserId(user), name: user.name }, deleteUserRegisterKeys: deletedKeys };
    },
  };
}
