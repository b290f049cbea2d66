import type { ServiceImpl } from "@connectrpc/connect";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import type { AuthentiqKeyRpcs } from "../products/authentiq/key.handler.js";
import type { AuthfiIdentityMethods } from "../products/authfi/authfi-identity.handler.js";
import type { HankoIdentityRpcs } from "../products/hanko/identity.handler.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";

/** IdentityService: Hanko's users and emails, Authentiq's keys, AuthFi's user management. */
export function identityService(handlers: { hanko: HankoIdentityRpcs; authentiq: AuthentiqKeyRpcs; authfi: AuthfiIdentityMethods }): ServiceRegistration {
  return registerService(IdentityService, { ...handlers.hanko, ...handlers.authentiq, ...handlers.authfi } satisfies ServiceImpl<typeof IdentityService>);
}
