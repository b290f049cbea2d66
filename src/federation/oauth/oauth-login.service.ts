import * as oidc from "openid-client";
import type { Logger } from "../../log.js";
import type { AccountLinker } from "../account-link.service.js";
import { LoginError } from "../login-error.js";
import { errorLocation, errorTarget, loginStateTtlSeconds, sameSecret, tokenLocation } from "../login-redirect.js";
import type { LoginStates } from "../login-state.js";
import type { OAuthProvider } from "./oauth-provider.js";
import { createRedirectAllowList, decodeRedirectTo } from "../redirect-allow-list.js";
import type { ThirdPartyConfig } from "./oauth-config.js";

/** Where to send the browser, and the state cookie that binds the login to it. */
export interface AuthRedirect {
  location: string;
  /** The state, for the `hanko_thirdparty_state` cookie; undefined on an error redirect. */
  state: string | undefined;
}

/** What the provider sent back to the callback. */
export interface CallbackInput {
  code: string;
  state: string;
  error: string;
  errorDescription: string;
  iss: string;
  /** The `hanko_thirdparty_state` cookie the browser sent. */
  stateCookie: string;
}

/** Third-party (OAuth 2.0 / OpenID Connect) login: both ends of the provider round trip. */
export interface ThirdPartyService {
  /** `/thirdparty/auth`: never throws; errors become an error redirect. */
  begin(input: { provider: string; redirectTo: string; referer: string }): Promise<AuthRedirect>;
  /** `/thirdparty/callback`: never throws; errors become an error redirect (no session). */
  finish(input: CallbackInput): Promise<string>;
}

/** Creates the service over the configured providers. */
export function createThirdPartyService(deps: {
  loginStates: LoginStates;
  config: ThirdPartyConfig;
  providers: ReadonlyMap<string, OAuthProvider>;
  linker: AccountLinker;
  issueToken(userId: string): Promise<string>;
  logger: Logger;
}): ThirdPartyService {
  const { loginStates, config, logger } = deps;
  const allowList = createRedirectAllowList(config.redirectUrls);
  const enabledProvider = (name: string): OAuthProvider => {
    const provider = deps.providers.get(name);
    if (provider === undefined || !provider.enabled) throw new LoginError("invalid_request", `provider ${name === "" ? "(none)" : name} is not enabled`);
    return provider;
  };
  return {
    async begin(input) {
      try {
        const provider = enabledProvider(input.provider);
        const redirectTo = decodeRedirectTo(input.redirectTo);
        if (redirectTo === undefined || !allowList.allows(redirectTo)) throw new LoginError("invalid_request", "redirect_to is not allowed");
        const codeVerifier = oidc.randomPKCECodeVerifier();
        const nonce = provider.usesNonce ? oidc.randomNonce() : undefined;
        const state = await loginStates.create({ protocol: "oauth", provider: provider.name, redirectTo, codeVerifier, nonce }, loginStateTtlSeconds);
        const url = await provider.authorizationUrl({ state, codeVerifier, nonce });
        return { location: url.href, state };
      } catch (error) {
        return { location: errorLocation(errorTarget(input.referer, config.errorUrl, allowList), error, logger, "third-party login"), state: undefined };
      }
    },
    async finish(input) {
      try {
        // Login CSRF: a state is only good in the browser it was handed to.
        if (!sameSecret(input.stateCookie, input.state)) throw new LoginError("invalid_request", "the state does not belong to this browser");
        const state = await loginStates.consume("oauth", input.state);
        if (state === undefined || state.codeVerifier === undefined) throw new LoginError("invalid_request", "the state is unknown, used or expired");
        if (input.error !== "") {
          const code = /^[a-z_]{1,64}$/.test(input.error) ? input.error : "access_denied";
          throw new LoginError(code, input.errorDescription.slice(0, 500) || "the provider refused the login");
        }
        const provider = enabledProvider(state.provider);
        const callback = new URL(config.callbackUrl);
        callback.searchParams.set("code", input.code);
        callback.searchParams.set("state", input.state);
        if (input.iss !== "") callback.searchParams.set("iss", input.iss);
        const external = await provider.exchange(callback, { state: input.state, codeVerifier: state.codeVerifier, nonce: state.nonce });
        const userId = await deps.linker.userFor(external);
        return tokenLocation(state.redirectTo, await deps.issueToken(userId));
      } catch (error) {
        return errorLocation(config.errorUrl, error, logger, "third-party login");
      }
    },
  };
}
