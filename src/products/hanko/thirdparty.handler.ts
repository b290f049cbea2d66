import type { ServiceImpl } from "@connectrpc/connect";
import type { SessionService } from "../../../gen/es/tessera/session/v1/session_pb.js";
import type { ThirdPartyService } from "../../federation/oauth/oauth-login.service.js";

/** 307 Temporary Redirect, as Hanko answers every third-party redirect. */
const temporaryRedirect = 307;

/** Hanko's third-party login RPCs of SessionService. */
export type ThirdPartyRpcs = Pick<ServiceImpl<typeof SessionService>, "thirdPartyAuth" | "thirdPartyCallback">;

/** The third-party login RPCs of SessionService: proto ↔ domain mapping only. */
export function createThirdPartyHandler(thirdParty: ThirdPartyService): ThirdPartyRpcs {
  return {
    async thirdPartyAuth(request) {
      const redirect = await thirdParty.begin({ provider: request.provider, redirectTo: request.redirectTo, referer: request.referer });
      return { location: redirect.location, status: temporaryRedirect, stateCookie: redirect.state ?? "" };
    },
    async thirdPartyCallback(request) {
      const location = await thirdParty.finish({
        code: request.code,
        state: request.state,
        error: request.error,
        errorDescription: request.errorDescription,
        iss: request.iss,
        stateCookie: request.stateCookie,
      });
      return { location, status: temporaryRedirect, stateCookie: "" };
    },
  };
}
