import type { ServiceImpl } from "@connectrpc/connect";
import { principal } from "../../core/credentials/principal.js";
import { authfiAccessPoint } from "./api-key-credentials.js";
import type { WebAuthnService as WebAuthnServiceDesc } from "../../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { authenticationResponse, creationOptions, registrationResponse, requestOptions } from "../webauthn-message.js";
import { authfiUserId, keyInfo } from "./authfi-message.js";
import type { AuthfiCeremonyService } from "./ceremony.service.js";
import type { AuthfiManagementService } from "./management.service.js";

/** The AuthFi RPCs of WebAuthnService. */
export type AuthfiWebauthnMethods = Pick<ServiceImpl<typeof WebAuthnServiceDesc>, `authfi${string}` & keyof ServiceImpl<typeof WebAuthnServiceDesc>>;

/** AuthFi's ceremonies and key management: proto ↔ domain mapping (the transport checks the API key each declares). */
export function createAuthfiWebauthnHandler(deps: { ceremonies: AuthfiCeremonyService; management: AuthfiManagementService }): AuthfiWebauthnMethods {
  const { ceremonies, management } = deps;
  return {
    async authfiBeginRegistration(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const { params } = request;
      const selection = params?.authenticatorSelection;
      const options = await ceremonies.beginRegistration(accessPoint, {
        name: params?.user?.name ?? "",
        displayName: params?.user?.displayName ?? "",
        authenticatorAttachment: selection?.authenticatorAttachment ?? "",
        residentKey: selection?.residentKey ?? "",
        requireResidentKey: selection?.requireResidentKey ?? false,
        userVerification: selection?.userVerification ?? "",
        attestation: params?.attestation ?? "",
      });
      return { code: 0, fidoRegisterRequest: { ...creationOptions(options), extensions: {} } };
    },
    async authfiFinishRegistration(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const { user, key } = await ceremonies.finishRegistration(accessPoint, request.fidoRegisterResponse && registrationResponse(request.fidoRegisterResponse));
      return { code: 0, uid: authfiUserId(user), keyInfo: keyInfo(key) };
    },
    async authfiBeginLogin(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const options = await ceremonies.beginLogin(accessPoint, request.params?.userVerification ?? "");
      return { code: 0, fidoLoginRequest: { ...requestOptions(options), extensions: {} } };
    },
    async authfiFinishLogin(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const { user, key } = await ceremonies.finishLogin(accessPoint, request.fidoLoginResponse && authenticationResponse(request.fidoLoginResponse));
      return { code: 0, user: { id: authfiUserId(user), name: user.name }, keyInfo: keyInfo(key) };
    },
    async authfiBeginVerification(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const options = await ceremonies.beginVerification(accessPoint, request.uId, request.params?.userVerification ?? "");
      return { code: 0, fidoAuthRequest: { ...requestOptions(options), extensions: {} } };
    },
    async authfiFinishVerification(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const { user, key } = await ceremonies.finishVerification(accessPoint, request.fidoAuthResponse && authenticationResponse(request.fidoAuthResponse));
      return { code: 0, uid: authfiUserId(user), keyInfo: keyInfo(key) };
    },
    async authfiListKeys(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      const keys = await management.listKeys(accessPoint, request.userId);
      return { code: 0, total: keys.length, keys: keys.map(keyInfo) };
    },
    async authfiRenameKey(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      return { code: 0, keyInfo: keyInfo(await management.renameKey(accessPoint, request.userId, request.id, request.name)) };
    },
    async authfiDeleteKey(request, context) {
      const accessPoint = principal(context, authfiAccessPoint);
      await management.deleteKey(accessPoint, request.userId, request.id);
      return { code: 0, deleteKeys: 1 };
    },
  };
}
