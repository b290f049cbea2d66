import type { ServiceImpl } from "@connectrpc/connect";
import type { VerifyService as VerifyServiceDesc } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { sessionFields } from "../products/hanko/session-credentials.js";
import type { SessionTokens } from "../core/session/session-token.service.js";
import { createJincorMethods } from "../products/jincor/jincor.handler.js";
import type { Passcode, PasscodeService } from "../products/hanko/passcode.service.js";
import type { ServiceAuth } from "../products/jincor/service-auth.js";
import type { VerificationService } from "../products/jincor/verification.service.js";

/** The VerifyService RPCs: proto ↔ domain mapping only. */
export function createVerifyHandler(deps: {
  passcodes: PasscodeService;
  tokens: SessionTokens;
  authTokenHeader: boolean;
  verifications: VerificationService;
  serviceAuth: ServiceAuth;
}): ServiceImpl<typeof VerifyServiceDesc> {
  const passcode = (row: Passcode) => ({ id: row.id, ttl: row.ttlSeconds, createdAt: row.createdAt.toISOString() });
  return {
    ...createJincorMethods(deps),
    async initializePasscodeLogin(request) {
      return passcode(await deps.passcodes.initialize(request.userId, request.emailId));
    },
    async finalizePasscodeLogin(request) {
      const row = await deps.passcodes.finalize(request.id, request.code);
      return { ...passcode(row), ...sessionFields(await deps.tokens.issue(row.userId), deps.authTokenHeader) };
    },
  };
}
