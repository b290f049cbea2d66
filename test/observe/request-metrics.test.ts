import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { freshEmail } from "../hanko/hanko-client.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { parseMetrics, sampleValue, type Sample } from "./metrics-text.js";

let server: TestServer;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startTestServer({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await smtp?.close();
});

async function scrape(): Promise<Sample[]> {
  const answer = await rest(server.app.adminUrl, "GET", "/metrics");
  expect(answer.status).toBe(200);
  return parseMetrics(answer.text);
}

/** How much each of `probes` moved between two scrapes. */
function moved(before: Sample[], after: Sample[], probes: Record<string, [string, Record<string, string>]>): Record<string, number> {
  return Object.fromEntries(Object.entries(probes).map(([key, [name, labels]]) => [key, sampleValue(after, name, labels) - sampleValue(before, name, labels)]));
}

const jwks = "tessera.session.v1.SessionService/GetJwks";
const transportLabel = { grpc: "grpc", "connect-json": "connect", "connect-binary": "connect", "grpc-web": "grpc-web" } as const;

describe("/metrics", () => {
  it("counts requests by product, route, transport and status class, with latency, refusals by reason and logins by outcome", async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await rest(server.url, "GET", "/.well-known/jwks.json")).status).toBe(200);
    for (const transport of rpcTransports) expect((await callRpc(transport, server.url, SessionService, SessionServiceService, "getJwks", {})).ok).toBe(true);
    expect((await rest(server.url, "GET", "/me")).status).toBe(401);
    expect((await rest(server.url, "GET", "/no/such/path/4711")).status).toBe(404);
    // A passcode login: one wrong code, then the right one.
    const email = freshEmail();
    const { user_id: userId } = (await rest(server.url, "POST", "/users", { body: { email } })).json as { user_id: string };
    const { id } = (await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } })).json as { id: string };
    const code = /passcode is (\d{6})/.exec(mailText((await smtp.waitFor(email)).raw))![1]!;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect((await rest(server.url, "POST", "/passcode/login/finalize", { body: { id, code: wrong } })).status).toBe(401);
    expect((await rest(server.url, "POST", "/passcode/login/finalize", { body: { id, code } })).status).toBe(200);
    // The outbox records its send after the mail arrived: wait for it before the last scrape.
    await expect.poll(async () => sampleValue(await scrape(), "tessera_outbox_sends_total", { channel: "email" }) - sampleValue(before, "tessera_outbox_sends_total", { channel: "email" })).toBe(1);
    const after = await scrape();

    const request = (route: string, transport: string, status: string, product = "hanko"): [string, Record<string, string>] => ["tessera_requests_total", { product, route, transport, status_class: status }];
    const perTransport = Object.fromEntries(
      (["grpc", "connect", "grpc-web"] as const).map((label) => [label, rpcTransports.filter((transport) => transportLabel[transport] === label).length]),
    );
    expect(
      moved(before, after, {
        rest: request("GET /.well-known/jwks.json", "rest", "2xx"),
        grpc: request(jwks, "grpc", "2xx"),
        connect: request(jwks, "connect", "2xx"),
        grpcWeb: request(jwks, "grpc-web", "2xx"),
        unauthenticated: request("GET /me", "rest", "4xx"),
        unmatched: request("unmatched", "rest", "4xx", "none"),
        restLatency: ["tessera_request_duration_seconds_count", { product: "hanko", route: "GET /.well-known/jwks.json", transport: "rest" }],
        grpcLatency: ["tessera_request_duration_seconds_count", { route: jwks, transport: "grpc" }],
        wrongCode: ["tessera_refusals_total", { product: "hanko", reason: "PASSCODE_INVALID" }],
        noRoute: ["tessera_refusals_total", { product: "none", reason: "ROUTE_NOT_FOUND" }],
        loginSuccess: ["tessera_logins_total", { product: "hanko", method: "passcode", outcome: "success" }],
        loginRefused: ["tessera_logins_total", { product: "hanko", method: "passcode", outcome: "refused" }],
        emailsSent: ["tessera_outbox_sends_total", { channel: "email" }],
      }),
    ).toEqual({
      rest: 3,
      grpc: perTransport.grpc,
      connect: perTransport.connect,
      grpcWeb: perTransport["grpc-web"],
      unauthenticated: 1,
      unmatched: 1,
      restLatency: 3,
      grpcLatency: perTransport.grpc,
      wrongCode: 1,
      noRoute: 1,
      loginSuccess: 1,
      loginRefused: 1,
      emailsSent: 1,
    });
    // Bounded labels: no raw path, no user id or email reaches a label.
    const labels = after.flatMap((sample) => Object.values(sample.labels)).join("\n");
    for (const raw of ["/no/such/path/4711", userId, email, id]) expect(labels.includes(raw), raw).toBe(false);
    expect(sampleValue(after, "tessera_outbox_pending_messages", { channel: "email" })).toBe(0);
  }, 60_000);
});
