import type { ServiceImpl } from "@connectrpc/connect";
import type { VerifyService } from "../../../gen/es/tessera/verify/v1/verify_pb.js";
import type { SessionTokens } from "../../core/session/session-token.service.js";
import type { PasscodeRow } from "../../store/hanko/passcode.store.js";
import { passcodeTtlSeconds, type PasscodeService } from "./passcode.service.js";
import { sessionFields } from "./session-credentials.js";

/** Hanko's passcode login RPCs of VerifyService. */
export type PasscodeRpcs = Pick<ServiceImpl<typeof VerifyService>, "initializePasscodeLogin" | "finalizePasscodeLogin">;

/** Hanko's passcode login: proto ↔ domain mapping only; the right code answers a session. */
export function createPasscodeHandler(deps: { passcodes: PasscodeService; tokens: SessionTokens; authTokenHeader: boolean }): PasscodeRpcs {
  const passcode = (row: PasscodeRow) => ({ id: row.id, ttl: passcodeTtlSeconds, createdAt: row.created_at.toISOString() });
  return {
    async initializePasscodeLogin(request) {
      return passcode(await deps.passcodes.initialize(request.userId, request.emailId));
    },
    async finalizePasscodeLogin(request) {
      const row = await deps.passcodes.finalize(request.id, request.code);
      return { ...passcode(row), ...sessionFields(await deps.tokens.issue(row.user_id), deps.authTokenHeader) };
    },
  };
}
