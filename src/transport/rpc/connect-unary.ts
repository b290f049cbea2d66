import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes, parseTimeout } from "@connectrpc/connect/protocol-connect";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { RequestRecord } from "../../observe/request-record.js";
import { readBody } from "../read-body.js";
import { UnaryCall } from "./unary-call.js";
import { bodyFailed, encodeOutput, negotiateCompression, type Negotiated, type UnaryPathSettings, type UnarySite } from "./unary-site.js";

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
  new ConnectCall(site, binary, request, response, settings, record).serve();
}

class ConnectCall extends UnaryCall {
  private readonly compression: Negotiated;
  private readonly timeoutError: ConnectError | undefined;

  constructor(
    site: UnarySite,
    private readonly binary: boolean,
    private readonly request: IncomingMessage | Http2ServerRequest,
    private readonly response: ServerResponse | Http2ServerResponse,
    settings: UnaryPathSettings,
    record: RequestRecord | undefined,
  ) {
    const { headers } = request;
    super(site, settings, "connect", request.url ?? "/", headers, record, request.socket.remoteAddress);
    this.compression = negotiateCompression(settings, headers["content-encoding"], headers["accept-encoding"], "accept-encoding");
    const timeout = headers["connect-timeout-ms"];
    const parsed = timeout === undefined ? undefined : parseTimeout(String(timeout), Number.MAX_SAFE_INTEGER);
    this.timeoutError = parsed?.error;
    this.startLifetime(parsed?.timeoutMs);
  }

  watchClient(gone: () => void): void {
    if (this.response.destroyed) gone();
    else this.response.once("close", gone);
  }

  async decode(): Promise<Message> {
    const { compression, settings } = this;
    if (compression.error !== undefined) throw compression.error;
    if (this.timeoutError !== undefined) throw this.timeoutError;
    const { readMaxBytes } = settings;
    const declared = Number(this.request.headers["content-length"] ?? NaN);
    let body: Uint8Array = await readBody(
      this.request,
      {
        maxBytes: readMaxBytes,
        declaredBytes: declared,
        tooLarge: () => new ConnectError(`message size ${Number.isNaN(declared) ? "" : `${declared} `}is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted),
        failed: bodyFailed,
      },
      this.lifetime,
    );
    if (compression.request !== null) body = await compression.request.decompress(body, readMaxBytes);
    return this.site.serialization.getI(this.binary).parse(body);
  }

  succeed(output: Message): Promise<void> | void {
    return this.answer(200, encodeOutput(this.site, this.binary, output), undefined);
  }

  fail(error: ConnectError): Promise<void> | void {
    return this.answer(codeToHttpStatus(error.code), errorToJsonBytes(error, undefined), error);
  }

  /** Compressed answers wait for the compressor; the others go out in the same tick. */
  private answer(status: number, body: Uint8Array, error: ConnectError | undefined): Promise<void> | void {
    this.lifetime.end();
    const out: OutgoingHttpHeaders = { "content-type": error !== undefined || !this.binary ? "application/json" : "application/proto" };
    this.setHeaders?.forEach((value, name) => (out[name] = value));
    error?.metadata.forEach((value, name) => (out[name] = value));
    const { response } = this.compression;
    if (response !== null && body.byteLength >= this.settings.compressMinBytes) {
      out["content-encoding"] = response.name;
      return response.compress(body).then((compressed) => this.write(status, out, compressed));
    }
    this.write(status, out, body);
  }

  private write(status: number, out: OutgoingHttpHeaders, body: Uint8Array): void {
    this.setTrailers?.forEach((value, name) => (out[`trailer-${name}`] = value));
    out["content-length"] = String(body.byteLength);
    const { request, response } = this;
    if (response.headersSent || response.destroyed) return;
    response.writeHead(status, out as never);
    response.end(body);
  }
}
