import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { VerifyServiceService } from "../../gen/grpc-js/tessera/verify/v1/verify.js";
import { callRpc, closeGrpcClients, rpcTransports, type RpcResult } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";
import { bearer, freshEmail, freshPhone, secretOf, serviceToken, totp, unsignedToken, verifyJwtSecret } from "./jincor-client.js";

let server: TestServer;
let smtp: SmtpSink;
let sms: WebhookSink;
let auth: Record<string, string>;
beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startWebhookSink();
  server = await startTestServer({ VERIFY_JWT_SECRET: verifyJwtSecret, SMTP_URL: smtp.url, SMS_WEBHOOK_URL: sms.url });
  auth = bearer(await serviceToken(verifyJwtSecret, "1h"));
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await smtp?.close();
  await sms?.close();
});

type Transport = (typeof rpcTransports)[number];
const call = (transport: Transport, method: string, input: Record<string, unknown>, headers = auth) => callRpc(transport, server.url, VerifyService, VerifyServiceService, method, input, headers);

function output(result: RpcResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`RPC failed: ${result.code} ${result.reason} ${result.message}`);
  return result.output;
}

function failure(result: RpcResult): { code: Code; reason: string | undefined } {
  if (result.ok) throw new Error(`RPC succeeded: ${JSON.stringify(result.output)}`);
  return { code: result.code, reason: result.reason };
}

describe.each(rpcTransports)("Jincor VERIFY over %s", (transport) => {
  it("initiates an email verification, gets it, validates the emailed code once", async () => {
    const consumer = freshEmail();
    const initiated = output(
      await call(transport, "initiateVerification", {
        method: "email",
        consumer,
        template: { body: "Code {{{CODE}}}." },
        generateCode: { length: 10, symbolSet: ["ALPHAS", "DIGITS"] },
        policy: { expiredOn: "00:30:00" },
        payload: { your: "custom payload", n: 1 },
      }),
    );
    expect(initiated).toMatchObject({ status: 200, attempts: 0, payload: { your: "custom payload", n: 1 } });
    expect(initiated).not.toHaveProperty("totpUri");
    const verificationId = initiated.verificationId as string;
    const code = /Code ([A-Z0-9]{10})\./.exec(mailText((await smtp.waitFor(consumer)).raw))![1]!;

    const got = output(await call(transport, "getVerification", { method: "email", verificationId }));
    expect(got).toEqual({ status: 200, data: { verificationId, consumer, expiredOn: initiated.expiredOn, payload: { your: "custom payload", n: 1 }, attempts: 0 } });

    expect(failure(await call(transport, "validateVerification", { method: "email", verificationId, code: "WRONG" }))).toEqual({ code: Code.InvalidArgument, reason: "INVALID_CODE" });
    const valid = output(await call(transport, "validateVerification", { method: "email", verificationId, code }));
    expect(valid).toEqual({ status: 200, data: { verificationId, consumer, expiredOn: initiated.expiredOn, payload: { your: "custom payload", n: 1 }, attempts: 1 } });
    expect(failure(await call(transport, "validateVerification", { method: "email", verificationId, code }))).toEqual({ code: Code.NotFound, reason: "VERIFICATION_NOT_FOUND" });
  });

  it("sends a phone code by the webhook; delete invalidates it", async () => {
    const consumer = freshPhone();
    const initiated = output(
      await call(transport, "initiateVerification", { method: "phone", consumer, template: { body: "{{{CODE}}}" }, generateCode: { length: 6, symbolSet: ["DIGITS"] }, policy: { expiredOn: "00:05:00" } }),
    );
    const verificationId = initiated.verificationId as string;
    expect((await sms.waitFor(consumer)).body.body).toMatch(/^\d{6}$/);
    expect(output(await call(transport, "deleteVerification", { method: "phone", verificationId }))).toEqual({ status: 200 });
    expect(failure(await call(transport, "deleteVerification", { method: "phone", verificationId }))).toEqual({ code: Code.NotFound, reason: "VERIFICATION_NOT_FOUND" });
    expect(failure(await call(transport, "getVerification", { method: "phone", verificationId }))).toEqual({ code: Code.NotFound, reason: "VERIFICATION_NOT_FOUND" });
  });

  it("runs google_auth: totpUri first, a TOTP code validates, removeSecret removes the secret", async () => {
    const consumer = freshEmail();
    const first = output(await call(transport, "initiateVerification", { method: "google_auth", consumer, issuer: "Jincor", policy: { expiredOn: "00:05:00" } }));
    expect(first).toMatchObject({ status: 200, consumer, totpUri: expect.stringMatching(/^otpauth:\/\/totp\/Jincor:/) });
    const secret = secretOf(first.totpUri as string);
    const code = totp(secret, Date.now() / 1000);
    const valid = output(await call(transport, "validateVerification", { method: "google_auth", verificationId: first.verificationId, code, removeSecret: true }));
    expect(valid).toMatchObject({ status: 200, data: { verificationId: first.verificationId, consumer } });
    const again = output(await call(transport, "initiateVerification", { method: "google_auth", consumer, policy: { expiredOn: "00:05:00" } }));
    expect(again.totpUri).toEqual(expect.stringContaining("otpauth://totp/"));
  });

  it("answers errors with codes and reasons", async () => {
    const id = "afde0e7d-3a1f-4d51-8dad-7d0229bd64c4";
    expect(failure(await call(transport, "getVerification", { method: "fax", verificationId: id }))).toEqual({ code: Code.NotFound, reason: "METHOD_NOT_SUPPORTED" });
    expect(failure(await call(transport, "getVerification", { method: "email", verificationId: id }))).toEqual({ code: Code.NotFound, reason: "VERIFICATION_NOT_FOUND" });
    expect(failure(await call(transport, "initiateVerification", { method: "email", consumer: freshEmail(), policy: { expiredOn: "25 h" } }))).toEqual({
      code: Code.InvalidArgument,
      reason: "INVALID_REQUEST",
    });
    expect(failure(await call(transport, "validateVerification", { method: "email", verificationId: id }))).toEqual({ code: Code.InvalidArgument, reason: "INVALID_REQUEST" });
    for (const headers of [{}, bearer(unsignedToken()), bearer(await serviceToken("wrong-secret-wrong-secret")), bearer(await serviceToken(verifyJwtSecret, Math.floor(Date.now() / 1000) - 5))]) {
      expect(failure(await call(transport, "deleteVerification", { method: "email", verificationId: id }, headers))).toEqual({ code: Code.Unauthenticated, reason: "SERVICE_UNAUTHENTICATED" });
    }
  });
});
