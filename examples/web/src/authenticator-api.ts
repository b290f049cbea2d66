import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { createClient, createTesseraTransport } from "@tessera/client";
import {
  AuthenticatorService,
  CreateDeviceResponseSchema,
  GetLoginDeviceChallengeResponseSchema,
  VerifyDeviceRequestSchema,
  VerifyLoginDeviceRequestSchema,
} from "@tessera/client/authenticator";

/** The Authenticator API's credential: a token and the client id it is bound to (sent as `x-client-id` over Connect). */
export interface HeldToken {
  token: string;
  clientId: string;
}

/** What the token says of itself: its state (`unverified`, `identified`, `authorized`) and user. */
export function tokenClaims(token: string): { state?: string; user_id?: string } {
  try {
    const payload = token.split(".")[1] ?? "";
    return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { state?: string; user_id?: string };
  } catch {
    return {};
  }
}

/**
 * The Authenticator API over the Connect protocol (JSON) from the page's origin, with the held
 * token in `Authorization` and its client id in `x-client-id`.
 */
export function createAuthenticatorApi(held: () => HeldToken | undefined) {
  const transport = createTesseraTransport({
    baseUrl: window.location.origin,
    bearerToken: () => held()?.token,
    clientId: () => held()?.clientId,
  });
  const client = createClient(AuthenticatorService, transport);
  return {
    signUp: async (email: string, password: string): Promise<HeldToken> => {
      const answer = await client.signUp({ email, password });
      return { token: answer.token, clientId: answer.clientId };
    },
    verifySignUp: async (code: string): Promise<HeldToken> => {
      const answer = await client.verifySignUp({ code });
      return { token: answer.token, clientId: answer.clientId };
    },
    logIn: async (email: string, password: string): Promise<HeldToken> => {
      const answer = await client.logIn({ email, password });
      return { token: answer.token, clientId: answer.clientId };
    },
    verifyLoginCode: async (code: string): Promise<HeldToken> => {
      const answer = await client.verifyLoginCode({ code });
      return { token: answer.token, clientId: answer.clientId };
    },
    /** Creation options for a new device, in the JSON form `@simplewebauthn/browser` takes. */
    deviceOptions: async (): Promise<JsonValue> => {
      const answer = await client.createDevice({});
      return (toJson(CreateDeviceResponseSchema, answer) as { publicKey: JsonValue }).publicKey;
    },
    verifyDevice: async (credential: JsonValue): Promise<string> => {
      const answer = await client.verifyDevice(fromJson(VerifyDeviceRequestSchema, plainJson(credential), { ignoreUnknownFields: true }));
      return answer.id;
    },
    /** Request options for the identified user's devices. */
    loginDeviceOptions: async (): Promise<JsonValue> => {
      const answer = await client.getLoginDeviceChallenge({});
      return (toJson(GetLoginDeviceChallengeResponseSchema, answer) as { publicKey: JsonValue }).publicKey;
    },
    verifyLoginDevice: async (assertion: JsonValue): Promise<HeldToken> => {
      const answer = await client.verifyLoginDevice(fromJson(VerifyLoginDeviceRequestSchema, plainJson(assertion), { ignoreUnknownFields: true }));
      return { token: answer.token, clientId: answer.clientId };
    },
  };
}

/** `value` as it would go over the wire: members that are undefined (a credential's missing userHandle) dropped. */
function plainJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** The Authenticator API client the page uses. */
export type AuthenticatorApi = ReturnType<typeof createAuthenticatorApi>;
