import type { ServiceImpl } from "@connectrpc/connect";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";

/** AuthenticatorService: the whole "Authenticator API" (one product serves all of it). */
export function authenticatorService(handlers: { authenticator: ServiceImpl<typeof AuthenticatorService> }): ServiceRegistration {
  return registerService(AuthenticatorService, handlers.authenticator);
}
