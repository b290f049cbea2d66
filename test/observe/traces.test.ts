import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { startWithSinks, type Sinks } from "../authenticator/authenticator-client.js";
import { freshEmail } from "../hanko/hanko-client.js";
import { startOtlpSink, type OtlpSink, type SunkSpan } from "../harness/otlp-sink.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText } from "../harness/smtp-sink.js";

const serverKind = 2;
const producerKind = 4;

let otlp: OtlpSink;
let server: TestServer;
let sinks: Sinks;
let close: () => Promise<void>;
let session: string;
let email: string;
beforeAll(async () => {
  otlp = await startOtlpSink();
  ({ server, sinks, close } = await startWithSinks({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "tessera-under-test" }));
  email = freshEmail();
  const created = await rest(server.url, "POST", "/users", { body: { email } });
  const { user_id: userId } = created.json as { user_id: string };
  const init = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
  const { id: passcodeId } = init.json as { id: string };
  const passcode = /passcode is (\d{6})/.exec(mailText((await sinks.smtp.waitFor(email)).raw))?.[1];
  const finalized = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: passcodeId, code: passcode } });
  expect(finalized.status).toBe(200);
  session = String(finalized.headers["x-auth-token"]);
});
afterAll(async () => {
  closeGrpcClients();
  await close?.();
  await otlp?.close();
});

let sequence = 0;
const requestId = (name: string) => `trace-${name}-${process.pid}-${++sequence}`;
const serverSpanOf = (id: string) => (span: SunkSpan) => span.kind === serverKind && span.attributes["tessera.request_id"] === id;

describe("traces", () => {
  const calls = [
    { transport: "rest", name: "GET /me", call: (headers: Record<string, string>) => rest(server.url, "GET", "/me", { headers }).then((answer) => answer.status === 200) },
    { transport: "grpc", name: "tessera.identity.v1.IdentityService/GetCurrentUser", call: (headers: Record<string, string>) => callRpc("grpc", server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, headers).then((answer) => answer.ok) },
    { transport: "connect", name: "tessera.identity.v1.IdentityService/GetCurrentUser", call: (headers: Record<string, string>) => callRpc("connect-json", server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, headers).then((answer) => answer.ok) },
  ] as const;

  it.each(calls)("a $transport call is one server span named $name, the parent of its query spans", async ({ transport, name, call }) => {
    const id = requestId(transport);
    expect(await call({ authorization: `Bearer ${session}`, "x-request-id": id })).toBe(true);
    const spans = await otlp.waitFor(serverSpanOf(id));
    const served = spans.filter(serverSpanOf(id));
    expect(served).toHaveLength(1);
    const span = served[0]!;
    expect(span).toMatchObject({ name, serviceName: "tessera-under-test", parentSpanId: undefined });
    expect(span.attributes).toMatchObject({ "http.response.status_code": 200, "tessera.product": "hanko", "tessera.transport": transport, "rpc.service": "tessera.identity.v1.IdentityService", "rpc.method": "GetCurrentUser" });
    // No secret and no header value but the request id: the Bearer token appears nowhere.
    expect(JSON.stringify(spans)).not.toContain(session);
    const queries = spans.filter((child) => child.parentSpanId === span.spanId);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect(query.traceId).toBe(span.traceId);
      expect(query.name).toMatch(/^(SELECT|INSERT|UPDATE|DELETE|WITH)( [a-z_]+)?$/);
      expect(query.attributes["db.system.name"]).toBe("postgresql");
    }
  });

  it.each(calls)("a $transport call continues the trace of an incoming traceparent", async ({ transport, call }) => {
    const traceId = Buffer.from(`tessera-${transport}`.padEnd(16, "-")).toString("hex").slice(0, 32);
    const parentId = "00f067aa0ba902b7";
    const id = requestId(`parent-${transport}`);
    expect(await call({ authorization: `Bearer ${session}`, "x-request-id": id, traceparent: `00-${traceId}-${parentId}-01` })).toBe(true);
    const span = (await otlp.waitFor(serverSpanOf(id))).find(serverSpanOf(id))!;
    expect(span).toMatchObject({ traceId, parentSpanId: parentId });
  });

  it("names a REST route by its template, never by the raw path or its query string", async () => {
    const id = requestId("template");
    const answer = await rest(server.url, "GET", `/users/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}?secret=query-value`, { headers: { "x-request-id": id } });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const span = (await otlp.waitFor(serverSpanOf(id))).find(serverSpanOf(id))!;
    expect(span.name).toBe("GET /users/{id}");
    expect(span.attributes["http.route"]).toBe("/users/{id}");
    expect(JSON.stringify(span)).not.toMatch(/query-value|00000000-0000/);
  });

  it("makes a span of each outbox send, with its channel and outcome", async () => {
    const spans = await otlp.waitFor((span) => span.kind === producerKind && span.attributes["tessera.channel"] === "email");
    const send = spans.find((span) => span.kind === producerKind && span.attributes["tessera.channel"] === "email")!;
    expect(send).toMatchObject({ name: "outbox send email", attributes: { "tessera.outcome": "sent" } });
    expect(JSON.stringify(spans)).not.toContain(email);
  });
});

describe("trace export at shutdown", () => {
  /** Starts a server exporting to a fresh sink, makes one call, stops the server; returns the sink and the call's request id. */
  const oneCallThenStop = async (protocol: string) => {
    const sink = await startOtlpSink();
    const stopping = await startTestServer({ OTEL_EXPORTER_OTLP_ENDPOINT: `${sink.url}/`, OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
    const id = requestId(`flush-${protocol}`);
    const status = (await rest(stopping.url, "GET", "/.well-known/jwks.json", { headers: { "x-request-id": id } })).status;
    // Closed before the batch's one-second delay: only the shutdown's flush exports the span.
    await stopping.close();
    await sink.close();
    return { sink, id, status };
  };

  it("flushes the spans still buffered when the server stops", async () => {
    const { sink, id, status } = await oneCallThenStop("http/json");
    expect(status).toBe(200);
    expect(sink.spans.filter(serverSpanOf(id)).map((span) => span.name)).toEqual(["GET /.well-known/jwks.json"]);
  });

  it("exports OTLP protobuf by default protocol name http/protobuf", async () => {
    const { sink, status } = await oneCallThenStop("http/protobuf");
    expect(status).toBe(200);
    expect(sink.contentTypes.length).toBeGreaterThan(0);
    expect(sink.contentTypes.every((type) => type.startsWith("application/x-protobuf"))).toBe(true);
  });
});
