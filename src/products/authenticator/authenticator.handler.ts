import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthenticatorService as AuthenticatorServiceDesc } from "../../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { bearerTokenFrom } from "../hanko/session-credentials.js";
import { parseCookies } from "../../transport/rest/cookies.js";
import { authenticationResponse, creationOptions, registrationResponse, requestOptions } from "../webauthn-message.js";
import type { IssuedToken, AccessTokens, TokenCredentials } from "./access-token.service.js";
import type { DeviceService } from "./device.service.js";
import type { LoginService } from "./login.service.js";
import type { SignupService } from "./signup.service.js";
import type { UserSettingsService } from "./user-settings.service.js";

/** The cookie a token is bound to (seed 002). */
export const clientIdCookie = "CLIENTID";
/** The metadata header that carries the client id where a cookie cannot (browser Connect and gRPC-Web clients). */
export const clientIdHeader = "x-client-id";

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
      return answer(await signup.verify(credentialsOf(context), request.code));
    },
    async logIn(request) {
      return withCookie(await login.logIn(request));
    },
    async verifyLoginCode(request, context) {
      return answer(await login.verifyCode(credentialsOf(context), request.code));
    },
    async getLoginDeviceChallenge(_request, context) {
      return { publicKey: requestOptions(await login.deviceChallenge(credentialsOf(context))) };
    },
    async verifyLoginDevice(request, context) {
      return answer(await login.verifyDevice(credentialsOf(context), authenticationResponse(request)));
    },
    async createDevice(_request, context) {
      return { publicKey: creationOptions(await devices.options(credentialsOf(context))) };
    },
    async verifyDevice(request, context) {
      return { id: await devices.register(credentialsOf(context), registrationResponse(request)) };
    },
    async removeDevice(request, context) {
      await devices.remove(credentialsOf(context), request.deviceId);
      return {};
    },
    async revokeToken(request, context) {
      const token = await tokens.authenticate(credentialsOf(context), "authorized");
      await tokens.revoke(token.userId, request.tokenId);
      return {};
    },
    async verifyToken(_request, context) {
      const token = await tokens.authenticate(credentialsOf(context), "authorized");
      return { tokenId: token.tokenId, userId: token.userId, state: token.state, expiresAt: token.expiresAt.toISOString() };
    },
    async updateUser(request, context) {
      const factors = await settings.update(credentialsOf(context), {
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

/**
 * The bearer token and the client id of a call (REST headers or RPC metadata): the `CLIENTID`
 * cookie, else the `x-client-id` header, since a browser cannot set the `cookie` header of a
 * Connect or gRPC-Web call.
 */
function credentialsOf(context: HandlerContext): TokenCredentials {
  const cookie = parseCookies(context.requestHeader.get("cookie") ?? undefined).get(clientIdCookie);
  return { jwt: bearerTokenFrom(context), clientId: cookie ?? context.requestHeader.get(clientIdHeader) ?? undefined };
}

function answer(issued: IssuedToken) {
  return { token: issued.token, clientId: issued.clientId };
}

function withCookie(issued: IssuedToken) {
  return { ...answer(issued), clientIdCookie: issued.clientId };
}
