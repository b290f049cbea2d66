import { randomBytes } from "node:crypto";
import type { SecretBox } from "../core/keys/secret-box.js";
import type { LoginState, LoginStateStore } from "./federation.port.js";

const hashContext = "thirdparty-state";
const verifierContext = (stateHash: Buffer) => `thirdparty-pkce:${stateHash.toString("base64url")}`;

/** Login states: the `state` (OAuth) or RelayState (SAML) of a round trip to a provider. */
export interface LoginStates {
  /**
   * Stores a new login state and returns its value (32 random bytes, base64url), which goes to
   * the provider as `state` or RelayState. Only its HMAC is stored; the PKCE verifier is sealed.
   */
  create(state: LoginState, ttlSeconds: number): Promise<string>;
  /**
   * Consumes a login state of `protocol`: single use, unexpired. Undefined for an unknown, used,
   * expired or malformed value, so a forged or replayed state never gets further.
   */
  consume(protocol: LoginState["protocol"], value: string): Promise<LoginState | undefined>;
}

/** Creates the login states over their store. */
export function createLoginStates(store: LoginStateStore, secrets: SecretBox): LoginStates {
  return {
    async create(state, ttlSeconds) {
      const value = randomBytes(32).toString("base64url");
      const stateHash = secrets.hash(value, hashContext);
      const sealedCodeVerifier = state.codeVerifier === undefined ? undefined : secrets.encrypt(Buffer.from(state.codeVerifier), verifierContext(stateHash));
      await store.insert({ stateHash, protocol: state.protocol, provider: state.provider, redirectTo: state.redirectTo, sealedCodeVerifier, nonce: state.nonce }, ttlSeconds);
      return value;
    },
    async consume(protocol, value) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
      const stateHash = secrets.hash(value, hashContext);
      const stored = await store.consume(stateHash, protocol);
      if (stored === undefined) return undefined;
      return {
        protocol,
        provider: stored.provider,
        redirectTo: stored.redirectTo,
        codeVerifier: stored.sealedCodeVerifier === undefined ? undefined : secrets.decrypt(stored.sealedCodeVerifier, verifierContext(stateHash)).toString(),
        nonce: stored.nonce,
      };
    },
  };
}
