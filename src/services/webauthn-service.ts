import type { ServiceImpl } from "@connectrpc/connect";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import type { AuthfiWebauthnMethods } from "../products/authfi/authfi-webauthn.handler.js";
import type { HankoWebauthnMethods } from "../products/hanko/webauthn.handler.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";

/** WebAuthnService: Hanko's and AuthFi's ceremonies and credential management. */
export function webauthnService(handlers: { hanko: HankoWebauthnMethods; authfi: AuthfiWebauthnMethods }): ServiceRegistration {
  return registerService(WebAuthnService, { ...handlers.hanko, ...handlers.authfi } satisfies ServiceImpl<typeof WebAuthnService>);
}
