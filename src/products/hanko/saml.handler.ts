import type { ServiceImpl } from "@connectrpc/connect";
import type { SessionService } from "../../../gen/es/tessera/session/v1/session_pb.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { SamlService } from "../../federation/saml/saml.service.js";

/** 307 Temporary Redirect: Hanko's SAML auth redirect and every SAML error redirect. */
const temporaryRedirect = 307;
/** 302 Found: Hanko's redirect after a SAML login. */
const found = 302;

/** Hanko's SAML RPCs of SessionService. */
export type SamlRpcs = Pick<ServiceImpl<typeof SessionService>, "getSamlProvider" | "getSamlMetadata" | "samlAuth" | "samlCallback">;

/**
 * The SAML RPCs of SessionService: proto ↔ domain mapping only. Without SAML configured
 * every one answers not found, as Hanko's routes do when SAML is off.
 */
export function createSamlHandler(saml: SamlService | undefined): SamlRpcs {
  const service = (): SamlService => {
    if (saml === undefined) throw new DomainError("NOT_FOUND", "not_found", "Not Found");
    return saml;
  };
  return {
    getSamlProvider(request) {
      const provider = service().provider(request.domain);
      const attributeMap = Object.fromEntries(Object.entries(provider.attributeMap).map(([claim, attribute]) => [claim.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), attribute]));
      return { ...provider, attributeMap };
    },
    async getSamlMetadata(request) {
      return { content: await service().metadata(request.domain, request.certOnly) };
    },
    async samlAuth(request) {
      const begun = await service().begin({ domain: request.domain, redirectTo: request.redirectTo, referer: request.referer });
      return { location: begun.location, status: temporaryRedirect, stateCookie: begun.state ?? "" };
    },
    async samlCallback(request) {
      const result = await service().finish({ relayState: request.relayState, samlResponse: request.samlResponse, stateCookie: request.stateCookie });
      return { location: result.location, status: result.loggedIn ? found : temporaryRedirect, stateCookie: "" };
    },
  };
}
