import type { ServiceImpl } from "@connectrpc/connect";
import type { WebAuthnService as WebAuthnServiceDesc } from "../../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { principal } from "../../core/credentials/principal.js";
import { hankoSession, sessionFields } from "./session-credentials.js";
import type { SessionTokens } from "../../core/session/session-token.service.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import { authenticationResponse, creationOptions, registrationResponse, requestOptions } from "../webauthn-message.js";
import type { HankoWebauthnService } from "./webauthn.service.js";

/** The Hanko RPCs of WebAuthnService. */
export type HankoWebauthnMethods = Pick<
  ServiceImpl<typeof WebAuthnServiceDesc>,
  "initializeRegistration" | "finalizeRegistration" | "initializeLogin" | "finalizeLogin" | "listCredentials" | "updateCredential" | "deleteCredential"
>;

/** Hanko's WebAuthnService RPCs: proto ↔ domain mapping only. */
export function createWebauthnHandler(deps: { webauthn: HankoWebauthnService; tokens: SessionTokens; authTokenHeader: boolean }): HankoWebauthnMethods {
  const { webauthn, tokens } = deps;
  const sessionUser = (context: Parameters<HankoWebauthnMethods["listCredentials"]>[1]) => principal(context, hankoSession).userId;
  return {
    async initializeRegistration(_request, context) {
      return { publicKey: creationOptions(await webauthn.registrationOptions(sessionUser(context))) };
    },
    async finalizeRegistration(request, context) {
      const userId = sessionUser(context);
      const credential = await webauthn.finishRegistration(userId, registrationResponse(request));
      return { credentialId: credential.credentialId, userId };
    },
    async initializeLogin(request) {
      return { publicKey: requestOptions(await webauthn.loginOptions(request.userId)) };
    },
    async finalizeLogin(request) {
      const login = await webauthn.finishLogin(authenticationResponse(request), (tx, userId) => tokens.issueIn(tx, userId));
      return { credentialId: login.credentialId, userId: login.userId, ...sessionFields(await login.issued(), deps.authTokenHeader) };
    },
    async listCredentials(_request, context) {
      return { credentials: (await webauthn.list(sessionUser(context))).map(credentialMessage) };
    },
    async updateCredential(request, context) {
      await webauthn.rename(sessionUser(context), request.id, request.name);
      return {};
    },
    async deleteCredential(request, context) {
      await webauthn.remove(sessionUser(context), request.id);
      return {};
    },
  };
}

/** A passkey as Hanko's `Credential`. */
function credentialMessage(credential: WebauthnCredential) {
  return {
    id: credential.credentialId,
    ...(credential.name === null ? {} : { name: credential.name }),
    publicKey: Buffer.from(credential.publicKey).toString("base64url"),
    aaguid: credential.aaguid ?? "",
    transports: credential.transports,
    createdAt: credential.createdAt.toISOString(),
    ...(credential.lastUsedAt === null ? {} : { lastUsedAt: credential.lastUsedAt.toISOString() }),
  };
}
