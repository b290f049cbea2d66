import type { ServiceImpl } from "@connectrpc/connect";
import type { VerifyService as VerifyServiceDesc } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { sessionFields } from "../products/hanko/session-credentials.js";
import type { SessionTokens } from "../core/session/session-token.service.js";
import { createJincorMethods } from "../products/jincor/jincor.handler.js";
import { passcodeTtlSeconds, type PasscodeService } from "../products/hanko/passcode.service.js";
import type { PasscodeRow } from "../store/hanko/passcode.store.js";
import type { VerificationService } from "../products/jincor/verification.service.js";

/** The VerifyService RPCs: proto ↔ domain mapping only. */
export function createVerifyHandler(deps: {
  passcodes: PasscodeService;
  tokens: SessionTokens;
  authTokenHeader: boolean;
  verifications: VerificationService;
}): ServiceImpl<typeof VerifyServiceDesc> {
  const passcode = (row: PasscodeRow) => ({ id: row.id, ttl: passcodeTtlSeconds, createdAt: row.created_at.toISOString() });
  return {
    ...createJincorMethods(deps),
    async initializePasscodeLogin(request) {
      return passcode(await deps.passcodes.initialize(request.userId, request.emailId));
    },
    async finalizePasscodeLogin(request) {
      const row = await deps.passcodes.finalize(request.id, request.code);
      return { ...passcode(row), ...sessionFields(await deps.tokens.issue(row.user_id), deps.authTokenHeader) };
    },
  };
}
