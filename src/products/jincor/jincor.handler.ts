import type { JsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { VerifyService as VerifyServiceDesc } from "../../../gen/es/tessera/verify/v1/verify_pb.js";
import type { Verification, VerificationService } from "./verification.service.js";

/** The Jincor VERIFY RPCs of VerifyService. */
export type JincorMethods = Pick<
  ServiceImpl<typeof VerifyServiceDesc>,
  "initiateVerification" | "validateVerification" | "getVerification" | "deleteVerification"
>;

/**
 * Jincor VERIFY's RPCs: proto ↔ domain mapping only (the transport checks the service token each
 * declares).
 */
export function createJincorMethods(deps: { verifications: VerificationService }): JincorMethods {
  const { verifications } = deps;
  return {
    async initiateVerification(request) {
      const { verification, totpUri } = await verifications.initiate({
        method: request.method,
        consumer: request.consumer,
        issuer: request.issuer,
        template: request.template === undefined ? undefined : { body: request.template.body, subject: request.template.subject },
        generateCode: request.generateCode === undefined ? undefined : { length: request.generateCode.length, symbolSet: request.generateCode.symbolSet },
        policy:
          request.policy === undefined
            ? undefined
            : { expiredOn: request.policy.expiredOn, forcedVerificationId: request.policy.forcedVerificationId, forcedCode: request.policy.forcedCode },
        payload: request.payload,
      });
      const googleAuth = verification.method === "google_auth";
      return {
        status: 200,
        verificationId: verification.id,
        attempts: verification.attempts,
        expiredOn: unixSeconds(verification.expiresAt),
        payload: verification.payload as JsonObject | undefined,
        consumer: googleAuth ? verification.consumer : undefined,
        totpUri,
      };
    },
    async validateVerification(request) {
      const verification = await verifications.validate(request.method, request.verificationId, request.code, request.removeSecret);
      return { status: 200, data: data(verification) };
    },
    async getVerification(request) {
      return { status: 200, data: data(await verifications.get(request.method, request.verificationId)) };
    },
    async deleteVerification(request) {
      await verifications.remove(request.method, request.verificationId);
      return { status: 200 };
    },
  };
}

function data(verification: Verification) {
  return {
    verificationId: verification.id,
    consumer: verification.consumer,
    expiredOn: unixSeconds(verification.expiresAt),
    payload: verification.payload as JsonObject | undefined,
    attempts: verification.attempts,
  };
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
