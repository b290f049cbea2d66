import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityService as IdentityServiceDesc } from "../../../gen/es/tessera/identity/v1/identity_pb.js";
import { principal } from "../../core/credentials/principal.js";
import { hankoSession } from "./session-credentials.js";
import type { Email, IdentityService } from "./identity.service.js";

/** Hanko's RPCs of IdentityService (users and emails). */
export type HankoIdentityRpcs = Pick<
  ServiceImpl<typeof IdentityServiceDesc>,
  "createUser" | "findUserByEmail" | "getUser" | "getCurrentUser" | "deleteCurrentUser" | "listEmails" | "createEmail" | "setPrimaryEmail" | "deleteEmail"
>;

/** Hanko's IdentityService RPCs: proto ↔ domain mapping only. */
export function createIdentityHandler(service: IdentityService): HankoIdentityRpcs {
  const email = (value: Email) => ({ id: value.id, address: value.address, isVerified: value.verified, isPrimary: value.primary });
  return {
    async createUser(request) {
      return service.createUser(request.email);
    },
    async findUserByEmail(request) {
      const user = await service.getUserByEmail(request.email);
      return { id: user.userId, emailId: user.emailId, verified: user.verified, hasWebauthnCredential: user.hasWebauthnCredential };
    },
    async getUser(request, context) {
      const { userId } = principal(context, hankoSession);
      const user = await service.getUser(userId, request.id);
      return {
        id: user.id,
        email: user.email,
        createdAt: user.createdAt.toISOString(),
        updatedAt: user.updatedAt.toISOString(),
        webauthnCredentials: user.credentialIds.map((id) => ({ id: Buffer.from(id).toString("base64url") })),
      };
    },
    async getCurrentUser(_request, context) {
      const { userId } = principal(context, hankoSession);
      return { id: userId };
    },
    async deleteCurrentUser(_request, context) {
      const { userId } = principal(context, hankoSession);
      await service.deleteUser(userId);
      return { sessionToken: "" };
    },
    async listEmails(_request, context) {
      const { userId } = principal(context, hankoSession);
      return { emails: (await service.listEmails(userId)).map(email) };
    },
    async createEmail(request, context) {
      const { userId } = principal(context, hankoSession);
      return { email: email(await service.createEmail(userId, request.address)) };
    },
    async setPrimaryEmail(request, context) {
      const { userId } = principal(context, hankoSession);
      await service.setPrimaryEmail(userId, request.id);
      return {};
    },
    async deleteEmail(request, context) {
      const { userId } = principal(context, hankoSession);
      await service.deleteEmail(userId, request.id);
      return {};
    },
  };
}
