import { create, type DescMessage, type DescMethodUnary, type DescService, type Message } from "@bufbuild/protobuf";
import type { ConnectError, ContextKey, ContextValues, HandlerContext, Interceptor, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http";
import { clientKey } from "../../core/client/client.js";
import type { RequestRecord } from "../../observe/request-record.js";
import { requestRecordKey } from "../../observe/request-tracking.js";
import { CallLifetime, type ClientWatch } from "./call-lifetime.js";
import { withErrorInfo } from "../error-info.js";
import { asDecodeFailure } from "./undecodable.js";
import { callFailure, type UnaryPathSettings, type UnarySite } from "./unary-site.js";

/** A unary RPC implementation, as a service registration holds it. */
export type UnaryImplementation = (request: Message, context: HandlerContext) => unknown;

/** The interceptors of every call composed once around the implementation, outermost first. */
export type UnaryChain = (request: UnaryRequest) => Promise<UnaryResponse>;

/**
 * The call a request belongs to, under a symbol: an interceptor that passes on a copy of the
 * request (`{...request, message}`) copies it too, so the implementation is still found.
 */
const callOf = Symbol("unary call");

/**
 * Composes `interceptors` around the implementation once, for every call: composing them per
 * call cost a closure per interceptor per call. The call travels in the request.
 */
export function composeUnaryChain(interceptors: readonly Interceptor[]): UnaryChain {
  let next: UnaryChain = (received) => (received as UnaryCall)[callOf].run(received);
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as unknown as UnaryChain;
  return next;
}

/**
 * One call on the unary path, as one object: the request the interceptors see, the
 * HandlerContext the implementation gets (the two share every name they have in common, with
 * the same meaning), and what the protocol (gRPC, Connect) reads and answers with, in the
 * subclass. Headers, context values and the signal are made only when read. A call cost a
 * dozen objects and closures before (the request, the context, the exchange's callbacks),
 * which with node:http2's own were most of the garbage a gRPC call left.
 */
export abstract class UnaryCall implements UnaryRequest, HandlerContext, ClientWatch {
  readonly stream = false;
  readonly requestMethod = "POST";
  readonly [callOf]: UnaryCall;
  /** The deadline and the signal; the subclass starts it once it can watch its client. */
  lifetime!: CallLifetime;
  /** The input message, once decoded. */
  message!: Message;
  private requestHeaders: Headers | undefined;
  private contextValueSet: CallValues | undefined;
  /** The response headers and trailers the implementation or an interceptor set, if any was. */
  protected setHeaders: Headers | undefined;
  protected setTrailers: Headers | undefined;

  constructor(
    readonly site: UnarySite,
    protected readonly settings: UnaryPathSettings,
    readonly protocolName: "grpc" | "connect",
    /** The request's path and query. */
    private readonly path: string,
    readonly requestHeadersIn: IncomingHttpHeaders,
    /** The call's request record, for the tracking interceptor (none when tracking is off). */
    readonly record: RequestRecord | undefined,
    /** The peer address of the connection: with the headers, who sent the call. */
    private readonly remoteAddress: string | undefined,
  ) {
    this[callOf] = this;
  }

  /** Starts the call's lifetime: its deadline runs from now. */
  protected startLifetime(timeoutMs: number | undefined): void {
    this.lifetime = new CallLifetime(timeoutMs, this, this.settings.deadlines);
  }

  /** Reads and decodes the input message; what it throws is a decoding failure. */
  abstract decode(): Promise<Message>;
  abstract succeed(output: Message): Promise<void> | void;
  abstract fail(error: ConnectError): Promise<void> | void;
  abstract watchClient(gone: () => void): void;

  get method(): DescMethodUnary {
    return this.site.method;
  }
  get service(): DescService {
    return this.site.method.parent;
  }
  get url(): string {
    const headers = this.requestHeadersIn;
    return `http://${String(headers[":authority"] ?? headers.host ?? "localhost")}${this.path}`;
  }
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }
  get header(): Headers {
    return (this.requestHeaders ??= toHeaders(this.requestHeadersIn));
  }
  get requestHeader(): Headers {
    return this.header;
  }
  get responseHeader(): Headers {
    return (this.setHeaders ??= new Headers());
  }
  get responseTrailer(): Headers {
    return (this.setTrailers ??= new Headers());
  }
  get contextValues(): ContextValues {
    return (this.contextValueSet ??= new CallValues(this));
  }
  get values(): ContextValues {
    return this.contextValues;
  }
  timeoutMs(): number | undefined {
    return this.lifetime.timeoutMs();
  }

  /** Who sent the call. */
  client() {
    return this.settings.clientOf(this.remoteAddress, this.requestHeadersIn);
  }

  /**
   * Runs the call: decode, the interceptors and the implementation, then the answer; a failure
   * anywhere is answered as connect-node answers it, and a failure to answer is logged.
   */
  serve(): void {
    const { logger } = this.settings;
    this.decode()
      .then(
        (input) =>
          this.invoke(input).then(
            (output) => this.succeed(output),
            (error: unknown) => this.fail(callFailure(error)),
          ),
        (error: unknown) => this.fail(withErrorInfo(asDecodeFailure(error, logger, this.site.method.name))),
      )
      .catch((error: unknown) => this.fail(callFailure(error)))
      .catch((error: unknown) => logger.warn("rpc response failed", { method: this.site.method.name, error: error instanceof Error ? error.message : String(error) }));
  }

  /** Runs `input` through the interceptors into the implementation; the output as a full message. */
  async invoke(input: Message): Promise<Message> {
    this.message = input;
    const response = await this.settings.chain(this);
    if (!(response instanceof CallResponse)) {
      // An interceptor answered with headers of its own: those are the call's.
      this.setHeaders = response.header;
      this.setTrailers = response.trailer;
    }
    return response.message;
  }

  /** The innermost step of the chain: the implementation, with the context of `received`. */
  async run(received: UnaryRequest): Promise<UnaryResponse> {
    const context = received === this ? this : copiedContext(this, received);
    const output = await this.site.implementation(received.message, context);
    return new CallResponse(this, outputMessage(this.site.method, output));
  }
}

/**
 * The context values of a call, made when first read: the request record (for the tracking
 * interceptor) and the client are the call's until set otherwise, the client made when read.
 */
class CallValues implements ContextValues {
  /** What was set (or deleted: its default) since, made at the first set. */
  private own: Map<symbol, unknown> | undefined;

  constructor(private readonly call: UnaryCall) {}

  get<T>(key: ContextKey<T>): T {
    if (this.own?.has(key.id) === true) return this.own.get(key.id) as T;
    if (key.id === requestRecordKey.id && this.call.record !== undefined) return this.call.record as T;
    if (key.id === clientKey.id) return this.set(clientKey, this.call.client()).get(key);
    return key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this.own ??= new Map()).set(key.id, value);
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    // A deleted key reads its default, the call's own values included.
    return this.set(key, key.defaultValue);
  }
}

/**
 * The context of a request an interceptor copied: what the copy holds wins, what a copy of
 * the class loses (its prototype getters) comes from the call.
 */
function copiedContext(call: UnaryCall, received: UnaryRequest): HandlerContext {
  return {
    method: call.method,
    service: received.service ?? call.service,
    requestMethod: call.requestMethod,
    protocolName: call.protocolName,
    timeoutMs: () => call.timeoutMs(),
    url: received.url ?? call.url,
    signal: received.signal ?? call.signal,
    requestHeader: received.header ?? call.header,
    get responseHeader() {
      return call.responseHeader;
    },
    get responseTrailer() {
      return call.responseTrailer;
    },
    values: received.contextValues ?? call.contextValues,
  };
}

class CallResponse implements UnaryResponse {
  readonly stream = false;

  constructor(
    private readonly call: UnaryCall,
    readonly message: Message,
  ) {}

  get service(): DescService {
    return this.call.service;
  }
  get method(): DescMethodUnary {
    return this.call.method;
  }
  get header(): Headers {
    return this.call.responseHeader;
  }
  get trailer(): Headers {
    return this.call.responseTrailer;
  }
}

/** The messages made of frozen answers, by answer. */
const frozenMessages = new WeakMap<object, Message>();

/**
 * The output message of what the implementation answered. An implementation that answers a
 * frozen object (the same one for as long as it holds, like the published keys) promises it
 * does not change: its message is made once and frozen, and `encodeOutput` encodes it once.
 */
function outputMessage(method: DescMethodUnary, output: unknown): Message {
  if (typeof output !== "object" || output === null || !Object.isFrozen(output)) return create(method.output as DescMessage, output as never);
  let message = frozenMessages.get(output);
  if (message === undefined) {
    message = Object.freeze(create(method.output as DescMessage, output as never));
    frozenMessages.set(output, message);
  }
  return message;
}

/** Node's request headers as fetch Headers, without HTTP/2 pseudo-headers. */
function toHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ":" */) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) out.append(name, item);
    else out.append(name, value);
  }
  return out;
}
