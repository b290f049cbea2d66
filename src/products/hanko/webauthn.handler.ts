import type { ServiceImpl } from "@connectrpc/connect";
import type { WebAuthnService as WebAuthnServiceDesc } from "../../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { principal } from "../../transport/credentials/principal.js";
import { hankoSession, sessionFields } from "./session-credentials.js";
import type { SessionTokens } from "../../core/session/session-token.service.js";
import { creationOptions, requestOptions } from "../../core/webauthn/options-message.js";
import type { WebauthnService } from "../../core/webauthn/webauthn.service.js";
import type { CredentialRow } from "../../store/webauthn/webauthn.store.js";

/** The Hanko RPCs of WebAuthnService. */
export type HankoWebauthnMethods = Pick<
  ServiceImpl<typeof WebAuthnServiceDesc>,
  "initializeRegistration" | "finalizeRegistration" | "initializeLogin" | "finalizeLogin" | "listCredentials" | "updateCredential" | "deleteCredential"
>;

/** Hanko's WebAuthnService RPCs: proto ↔ domain mapping only. */
export function createWebauthnHandler(deps: { webauthn: WebauthnService; tokens: SessionTokens; authTokenHeader: boolean }): HankoWebauthnMethods {
  const { webauthn, tokens } = deps;
  const sessionUser = (context: Parameters<HankoWebauthnMethods["listCredentials"]>[1]) => principal(context, hankoSession).userId;
  return {
    async initializeRegistration(_request, context) {
      return { publicKey: creationOptions(await webauthn.registrationOptions(sessionUser(context))) };
    },
    async finalizeRegistration(request, context) {
      const userId = sessionUser(context);
      const credential = await webauthn.finishRegistration(userId, {
        id: request.id,
        rawId: request.rawId,
        type: request.type as "public-key",
        response: {
          clientDataJSON: clientDataJson(request.response),
          attestationObject: request.response?.attestationObject ?? "",
          transports: (request.response?.transports ?? []) as never,
        },
        clientExtensionResults: {},
        ...(request.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: request.authenticatorAttachment as never }),
      });
      return { credentialId: Buffer.from(credential.credential_id).toString("base64url"), userId };
    },
    async initializeLogin(request) {
      return { publicKey: requestOptions(await webauthn.loginOptions(request.userId)) };
    },
    async finalizeLogin(request) {
      const login = await webauthn.finishLogin({
        id: request.id,
        rawId: request.rawId,
        type: request.type as "public-key",
        response: {
          clientDataJSON: clientDataJson(request.response),
          authenticatorData: request.response?.authenticatorData ?? "",
          signature: request.response?.signature ?? "",
          ...(request.response?.userHandle === undefined ? {} : { userHandle: request.response.userHandle }),
        },
        clientExtensionResults: {},
      });
      return { credentialId: login.credentialId, userId: login.userId, ...sessionFields(await tokens.issue(login.userId), deps.authTokenHeader) };
    },
    async listCredentials(_request, context) {
      return { credentials: (await webauthn.list(sessionUser(context))).map(credential) };
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

/** `clientDataJSON`, or the seed's spelling `clientDataJson` when only that was sent. */
export function clientDataJson(response: { clientDataJson: string; clientDataJsonDocumented: string } | undefined): string {
  return response === undefined ? "" : response.clientDataJson || response.clientDataJsonDocumented;
}

function credential(row: CredentialRow) {
  return {
    id: Buffer.from(row.credential_id).toString("base64url"),
    ...(row.name === null ? {} : { name: row.name }),
    publicKey: Buffer.from(row.public_key).toString("base64url"),
    aaguid: row.aaguid ?? "",
    transports: row.transports,
    createdAt: row.created_at.toISOString(),
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at.toISOString() }),
  };
}
