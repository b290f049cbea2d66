import type { ServiceImpl } from "@connectrpc/connect";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import type { PasscodeRpcs } from "../products/hanko/passcode.handler.js";
import type { JincorMethods } from "../products/jincor/jincor.handler.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";

/** VerifyService: Jincor VERIFY's verifications and Hanko's passcode login. */
export function verifyService(handlers: { jincor: JincorMethods; passcode: PasscodeRpcs }): ServiceRegistration {
  return registerService(VerifyService, { ...handlers.jincor, ...handlers.passcode } satisfies ServiceImpl<typeof VerifyService>);
}
