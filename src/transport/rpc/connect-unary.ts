import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes, parseTimeout } from "@connectrpc/connect/protocol-connect";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { RequestRecord } from "../../observe/request-record.js";
import { CallLifetime } from "./call-lifetime.js";
import { readBody } from "../read-body.js";
import { UnaryCall } from "./unary-call.js";
import { bodyFailed, headerValue, runUnary, type UnaryPathSettings, type UnarySite } from "./unary-site.js";

/**
 * A Connect unary call (POST, JSON or binary, HTTP/1.1 or HTTP/2): the message is the body, the
 * answer is the output message or the error JSON under the code's HTTP status, response
 * trailers travel as `trailer-` headers; connect-timeout-ms bounds the call, content-encoding
 * and accept-encoding compress. connect-protocol-version is not required, as connect-node
 * does not require it.
 */
export function serveConnect(
  site: UnarySite,
  binary: boolean,
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
  settings: UnaryPathSettings,
  record: RequestRecord | undefined,
): void {
  const { headers } = request;
  const compression = compressionNegotiate(settings.acceptCompression as never, headerValue(headers["content-encoding"]), headerValue(headers["accept-encoding"]), "accept-encoding");
  const timeout = parseTimeout(headerValue(headers["connect-timeout-ms"]), Number.MAX_SAFE_INTEGER);
  const lifetime = new CallLifetime(timeout.timeoutMs, (gone) => {
    if (response.destroyed) gone();
    else response.once("close", gone);
  });
  const call = new UnaryCall({ method: site.method, protocolName: "connect", requestMethod: "POST", path: request.url ?? "/", headers, lifetime, record, client: settings.clientOf(request.socket.remoteAddress, headers) });
  const contentType = binary ? "application/proto" : "application/json";

  const answer = async (status: number, body: Uint8Array, error: ConnectError | undefined) => {
    lifetime.end();
    const out: OutgoingHttpHeaders = { "content-type": contentType };
    call.responseHeader?.forEach((value, name) => (out[name] = value));
    if (error !== undefined) {
      out["content-type"] = "application/json";
      error.metadata.forEach((value, name) => (out[name] = value));
    }
    if (compression.response !== null && body.byteLength >= settings.compressMinBytes) {
      body = await compression.response.compress(body);
      out["content-encoding"] = compression.response.name;
    }
    call.responseTrailer?.forEach((value, name) => (out[`trailer-${name}`] = value));
    out["content-length"] = String(body.byteLength);
    // A request answered before its body was read: HTTP/1.1 cannot reuse the connection.
    if (!request.complete && request.httpVersionMajor === 1) out["connection"] = "close";
    if (response.headersSent || response.destroyed) return;
    response.writeHead(status, out as never);
    response.end(body);
  };
  const fail = (error: ConnectError) => answer(codeToHttpStatus(error.code), errorToJsonBytes(error, undefined), error);

  const succeed = (output: Message) => answer(200, site.serialization.getO(binary).serialize(output), undefined);
  runUnary(call, site, settings, { decode, succeed, fail });

  async function decode(): Promise<Message> {
    if (compression.error !== undefined) throw compression.error;
    if (timeout.error !== undefined) throw timeout.error;
    const { readMaxBytes } = settings;
    const declared = Number(headers["content-length"] ?? NaN);
    let body: Uint8Array = await readBody(request, {
      maxBytes: readMaxBytes,
      declaredBytes: declared,
      tooLarge: () => new ConnectError(`message size ${Number.isNaN(declared) ? "" : `${declared} `}is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted),
      failed: bodyFailed,
    });
    if (compression.request !== null) body = await compression.request.decompress(body, readMaxBytes);
    return site.serialization.getI(binary).parse(body);
  }
}
