import type { ServiceImpl } from "@connectrpc/connect";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import type { SamlRpcs } from "../products/hanko/saml.handler.js";
import type { HankoSessionRpcs } from "../products/hanko/session.handler.js";
import type { ThirdPartyRpcs } from "../products/hanko/thirdparty.handler.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";

/** SessionService: Hanko's sessions, passwords and token exchange, third-party and SAML login. */
export function sessionService(handlers: { session: HankoSessionRpcs; thirdParty: ThirdPartyRpcs; saml: SamlRpcs }): ServiceRegistration {
  return registerService(SessionService, { ...handlers.session, ...handlers.thirdParty, ...handlers.saml } satisfies ServiceImpl<typeof SessionService>);
}
