import { create, type DescMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { DomainError } from "../../core/errors/domain-error.js";
import type { Logger } from "../../log.js";
import { productOfDialect } from "../../observe/product.js";
import type { RequestRecord } from "../../observe/request-record.js";
import type { ClientOf } from "../client-of.js";
import type { ClientLimitGate } from "../client-limit-gate.js";
import type { CredentialGate } from "../credentials/credential-gate.js";
import type { ErrorDialect } from "../../core/errors/dialect.js";
import { toProblem } from "../error-codes.js";
import { maxBodyBytes, readBody, type BodyFailure, type BodyLimit } from "../read-body.js";
import { decodeRequest } from "./request-decoder.js";
import { encodeResponse, type RestAnswer } from "./response-encoder.js";
import { restHandlerContext } from "./handler-context.js";
import type { RouteTable } from "./route-table.js";

/** A unary RPC implementation, as the Connect router also calls it. */
export type UnaryCall = (request: Message, context: HandlerContext) => Promise<unknown> | unknown;

/** What the transcoder serves. */
export interface TranscoderOptions {
  routes: RouteTable;
  /** The implementation of an RPC, or undefined when no service implements it. */
  implementation(method: DescMethod): UnaryCall | undefined;
  /** Resolves the credential an RPC declares, after decoding and before the call. */
  credentials: CredentialGate;
  /** Counts a call of an RPC limited per client address, after the credential and before the call. */
  clientLimits: ClientLimitGate;
  logger: Logger;
  /** Set `Secure` on cookies (https origins). */
  secureCookies: boolean;
  /** Who sent a request (IP address, User-Agent), for the handler's context. */
  clientOf: ClientOf;
  /** Read requests strictly: unknown query parameters and non-JSON bodies are refused. */
  strict?: boolean;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/**
 * The REST side of the listener: finds the route, decodes the request into the RPC's input,
 * calls the same implementation the Connect router calls, and encodes the output; every
 * failure is answered in the route's error dialect. With `originRefused` (an unsafe request from
 * a browser page whose origin CORS refuses) the route is answered ORIGIN_NOT_ALLOWED (403) before
 * its body is read.
 */
export function createTranscoder(options: TranscoderOptions): (request: Request, response: Response, record?: RequestRecord, originRefused?: boolean) => void {
  const { routes, logger } = options;
  return (request, response, record, originRefused = false) => {
    const rawUrl = request.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const match = routes.match(path);
    if (!match.found) {
      answerError(response, match.dialect, notFound(), logger, request.method === "HEAD", record);
      return;
    }
    const verb = request.method ?? "GET";
    const route = match.routes.get(verb);
    if (route === undefined) {
      const allow = [...match.routes.keys()].join(", ");
      const first = match.routes.values().next().value!;
      if (record !== undefined) record.product = productOfDialect(first.rule.dialect);
      answerError(response, first.dialect, new DomainError("METHOD_NOT_ALLOWED", "invalid", `${verb} is not allowed here`), logger, verb === "HEAD", record, { allow });
      return;
    }
    if (record !== undefined) {
      record.product = route.product;
      record.route = route.name;
      record.rpc = route.rpc;
    }
    // An unsafe request of an origin CORS refuses (see isUnsafeMethod), unless the route takes
    // other sites' form posts by design (an identity provider's SAML response).
    if (originRefused && !route.rule.crossSiteFormPost) {
      answerError(response, route.dialect, originNotAllowed(), logger, false, record);
      return;
    }
    const call = options.implementation(route.method);
    if (call === undefined) {
      answerError(response, route.dialect, notFound(), logger, verb === "HEAD", record);
      return;
    }
    const run = async () => {
      const body = route.body === "" ? Buffer.alloc(0) : await readBody(request, restBodyLimit(request));
      const query = new URLSearchParams(queryAt < 0 ? "" : rawUrl.slice(queryAt + 1));
      const input = decodeRequest(route, route.method.input, { headers: request.headers, query, params: match.params, body }, { strict: options.strict === true });
      const context = restHandlerContext(route, verb, rawUrl, request.headers, options.clientOf(request.socket.remoteAddress, request.headers));
      await options.credentials(route.method, context.requestHeader, input, context.values);
      await options.clientLimits.enforce(route.method, context.values);
      const output = await call(input, context);
      const message = create(route.method.output as DescMessage, output as never);
      return encodeResponse(route, route.method.output, message, { accept: header(request.headers.accept), secureCookies: options.secureCookies });
    };
    run().then(
      (answer) => send(response, answer, verb === "HEAD"),
      (error: unknown) => answerError(response, route.dialect, error, logger, verb === "HEAD", record),
    );
  };
}

/** A REST body: at most maxBodyBytes, refused with BODY_TOO_LARGE (413) or MALFORMED_BODY (400). */
function restBodyLimit(request: Request): BodyLimit<DomainError> {
  return {
    maxBytes: maxBodyBytes,
    declaredBytes: Number(request.headers["content-length"] ?? NaN),
    tooLarge: () => new DomainError("BODY_TOO_LARGE", "invalid", `the request body is over ${maxBodyBytes / 1024} KiB`),
    failed: (why, cause) => new DomainError("MALFORMED_BODY", "invalid", restBodyFailures[why], { cause }),
  };
}

const restBodyFailures: Record<BodyFailure, string> = {
  unreadable: "the request body could not be read",
  aborted: "the request was aborted",
  timeout: "the request body took too long",
};

/** What a 503 asks a client to wait before trying again. */
const retryAfterSeconds = 1;

function notFound(): DomainError {
  return new DomainError("ROUTE_NOT_FOUND", "not_found", "no such resource");
}

function originNotAllowed(): DomainError {
  return new DomainError("ORIGIN_NOT_ALLOWED", "forbidden", "this origin may not call the API: add it to CORS_ORIGINS");
}

function answerError(response: Response, dialect: ErrorDialect, error: unknown, logger: Logger, head: boolean, record: RequestRecord | undefined, extra?: Record<string, string>): void {
  const problem = toProblem(error, logger);
  if (record !== undefined) record.reason = problem.reason;
  const answer = dialect.render(problem);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", ...extra };
  // Unavailable is a fault of the moment: the client may try again (RFC 9110 §10.2.3).
  if (problem.kind === "unavailable") headers["retry-after"] = String(retryAfterSeconds);
  send(response, { status: answer.status, headers, body: JSON.stringify(answer.body) }, head);
}

function send(response: Response, answer: RestAnswer, head: boolean): void {
  if (response.headersSent || response.destroyed) return;
  const { headers } = answer;
  const body = answer.body === undefined ? undefined : Buffer.from(answer.body);
  if (body !== undefined) headers["content-length"] = String(body.length);
  response.writeHead(answer.status, headers);
  if (head || body === undefined) response.end();
  else response.end(body);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
