import type { ServiceImpl } from "@connectrpc/connect";
import type { VerifyService } from "../../../gen/es/tessera/verify/v1/verify_pb.js";
import type { SessionTokens } from "../../core/session/session-token.service.js";
import type { Passcode, PasscodeService } from "./passcode.service.js";
import { sessionFields } from "./session-credentials.js";

/** Hanko's passcode login RPCs of VerifyService. */
export type PasscodeRpcs = Pick<ServiceImpl<typeof VerifyService>, "initializePasscodeLogin" | "finalizePasscodeLogin">;

/** Hanko's passcode login: proto ↔ domain mapping only; the right code answers a session. */
export function createPasscodeHandler(deps: { passcodes: PasscodeService; tokens: SessionTokens; authTokenHeader: boolean }): PasscodeRpcs {
  const passcode = (value: Passcode) => ({ id: value.id, ttl: value.ttlSeconds, createdAt: value.createdAt.toISOString() });
  return {
    async initializePasscodeLogin(request) {
      return passcode(await deps.passcodes.initialize(request.userId, request.emailId));
    },
    async finalizePasscodeLogin(request) {
      const found = await deps.passcodes.finalize(request.id, request.code, (userId, recordLogin) => deps.tokens.issue(userId, recordLogin));
      return { ...passcode(found.passcode), ...sessionFields(found.issued, deps.authTokenHeader) };
    },
  };
}
