import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthenticatorService as AuthenticatorServiceDesc } from "../../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { principal } from "../../core/credentials/principal.js";
import { authenticationResponse, creationOptions, registrationResponse, requestOptions } from "../webauthn-message.js";
import type { IssuedToken, AccessTokens } from "./access-token.service.js";
import type { DeviceService } from "./device.service.js";
import type { LoginService } from "./login.service.js";
import type { SignupService } from "./signup.service.js";
import { authenticatorToken } from "./token-credentials.js";
import type { UserSettingsService } from "./user-settings.service.js";

/** The Authenticator API's services, as the handler calls them. */
export interface AuthenticatorServices {
  signup: SignupService;
  login: LoginService;
  devices: DeviceService;
  tokens: AccessTokens;
  settings: UserSettingsService;
}

/** The AuthenticatorService RPCs: proto ↔ domain mapping only. */
export function createAuthenticatorHandler(services: AuthenticatorServices): ServiceImpl<typeof AuthenticatorServiceDesc> {
  const { signup, login, devices, tokens, settings } = services;
  return {
    async signUp(request) {
      return withCookie(await signup.signUp(request));
    },
    async verifySignUp(request, context) {
      return answer(await signup.verify(principal(context, authenticatorToken), request.code));
    },
    async logIn(request) {
      return withCookie(await login.logIn(request));
    },
    async verifyLoginCode(request, context) {
      return answer(await login.verifyCode(principal(context, authenticatorToken), request.code));
    },
    async getLoginDeviceChallenge(_request, context) {
      return { publicKey: requestOptions(await login.deviceChallenge(principal(context, authenticatorToken))) };
    },
    async verifyLoginDevice(request, context) {
      return answer(await login.verifyDevice(principal(context, authenticatorToken), authenticationResponse(request)));
    },
    async createDevice(_request, context) {
      return { publicKey: creationOptions(await devices.options(principal(context, authenticatorToken))) };
    },
    async verifyDevice(request, context) {
      return { id: await devices.register(principal(context, authenticatorToken), registrationResponse(request)) };
    },
    async removeDevice(request, context) {
      await devices.remove(principal(context, authenticatorToken), request.deviceId);
      return {};
    },
    async revokeToken(request, context) {
      await tokens.revoke(principal(context, authenticatorToken).userId, request.tokenId);
      return {};
    },
    async verifyToken(_request, context) {
      const token = principal(context, authenticatorToken);
      return { tokenId: token.tokenId, userId: token.userId, state: token.state, expiresAt: token.expiresAt.toISOString() };
    },
    async updateUser(request, context) {
      const factors = await settings.update(principal(context, authenticatorToken), {
        userId: request.userId,
        password: request.password,
        currentPassword: request.currentPassword,
        isCodeAllowed: request.isCodeAllowed,
        isTotpAllowed: request.isTotpAllowed,
        isDeviceAllowed: request.isDeviceAllowed,
        totpCode: request.totpCode,
      });
      return {
        userId: factors.userId,
        isCodeAllowed: factors.isCodeAllowed,
        isTotpAllowed: factors.isTotpAllowed,
        isDeviceAllowed: factors.isDeviceAllowed,
        totpSecret: factors.totp?.secret ?? "",
        totpUri: factors.totp?.uri ?? "",
      };
    },
  };
}

function answer(issued: IssuedToken) {
  return { token: issued.token, clientId: issued.clientId };
}

function withCookie(issued: IssuedToken) {
  return { ...answer(issued), clientIdCookie: issued.clientId };
}
