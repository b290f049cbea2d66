import { create, type DescMessage, type DescMethodUnary, type DescService, type Message } from "@bufbuild/protobuf";
import { createContextValues, type ContextValues, type HandlerContext, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http";
import { clientKey } from "../../core/client/client.js";
import type { RequestRecord } from "../../observe/request-record.js";
import { withRequestRecord } from "../../observe/request-tracking.js";
import type { ClientOf } from "../client-of.js";
import type { CallLifetime } from "./call-lifetime.js";

/** A unary RPC implementation, as a service registration holds it. */
export type UnaryImplementation = (request: Message, context: HandlerContext) => unknown;

/** The interceptors of every call composed once around the implementation, outermost first. */
export type UnaryChain = (request: UnaryRequest) => Promise<UnaryResponse>;

/** What one call of the unary path knows before it runs: the request line and headers. */
export interface UnaryCallInit {
  method: DescMethodUnary;
  implementation: UnaryImplementation;
  protocolName: "grpc" | "connect";
  requestMethod: string;
  /** The request's path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  lifetime: CallLifetime;
  /** The call's request record, for the tracking interceptor (none when tracking is off). */
  record: RequestRecord | undefined;
  /** The peer address of the call's connection; with `clientOf`, who sent the call, made when the context values are read. */
  remoteAddress: string | undefined;
  clientOf: ClientOf;
}

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
  let next: UnaryChain = (received) => (received as CallRequest)[callOf].run(received);
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as unknown as UnaryChain;
  return next;
}

/**
 * One call on the unary path: the request the interceptors see and the HandlerContext the
 * implementation gets, with headers, context values and the signal made only when read. Both
 * are instances of small classes whose getters live on the prototype: object literals with
 * getters cost a closure per getter and a slow property definition per call.
 */
export class UnaryCall {
  private requestHeader: Headers | undefined;
  private values: ContextValues | undefined;
  /** The response headers the implementation or an interceptor set, if any was. */
  responseHeader: Headers | undefined;
  /** The response trailers the implementation or an interceptor set, if any was. */
  responseTrailer: Headers | undefined;

  constructor(readonly init: UnaryCallInit) {}

  /** Runs `input` through `chain` into the implementation; the output as a full message. */
  async invoke(input: Message, chain: UnaryChain): Promise<Message> {
    const response = await chain(new CallRequest(this, input));
    if (!(response instanceof CallResponse)) {
      // An interceptor answered with headers of its own: those are the call's.
      this.responseHeader = response.header;
      this.responseTrailer = response.trailer;
    }
    return response.message;
  }

  /** The innermost step of the chain: the implementation, with the context of `received`. */
  async run(received: UnaryRequest): Promise<UnaryResponse> {
    const { method, implementation } = this.init;
    const context = received instanceof CallRequest ? new CallContext(this) : copiedContext(this, received);
    const output = await implementation(received.message, context);
    return new CallResponse(this, outputMessage(method, output));
  }

  ownHeader(): Headers {
    return (this.responseHeader ??= new Headers());
  }

  ownTrailer(): Headers {
    return (this.responseTrailer ??= new Headers());
  }

  header(): Headers {
    return (this.requestHeader ??= toHeaders(this.init.headers));
  }

  contextValues(): ContextValues {
    return (this.values ??= withRequestRecord(createContextValues().set(clientKey, this.init.clientOf(this.init.remoteAddress, this.init.headers)), this.init.record));
  }

  url(): string {
    const authority = this.init.headers[":authority"] ?? this.init.headers.host ?? "localhost";
    return `http://${String(authority)}${this.init.path}`;
  }
}

class CallRequest implements UnaryRequest {
  readonly stream = false;
  readonly [callOf]: UnaryCall;

  constructor(
    call: UnaryCall,
    readonly message: Message,
  ) {
    this[callOf] = call;
  }

  get service(): DescService {
    return this[callOf].init.method.parent;
  }
  get method(): DescMethodUnary {
    return this[callOf].init.method;
  }
  get requestMethod(): string {
    return this[callOf].init.requestMethod;
  }
  get url(): string {
    return this[callOf].url();
  }
  get signal(): AbortSignal {
    return this[callOf].init.lifetime.signal;
  }
  get header(): Headers {
    return this[callOf].header();
  }
  get contextValues(): ContextValues {
    return this[callOf].contextValues();
  }
}

class CallContext implements HandlerContext {
  constructor(private readonly call: UnaryCall) {}

  get method(): DescMethodUnary {
    return this.call.init.method;
  }
  get service(): DescService {
    return this.call.init.method.parent;
  }
  get requestMethod(): string {
    return this.call.init.requestMethod;
  }
  get protocolName(): string {
    return this.call.init.protocolName;
  }
  get url(): string {
    return this.call.url();
  }
  get signal(): AbortSignal {
    return this.call.init.lifetime.signal;
  }
  get requestHeader(): Headers {
    return this.call.header();
  }
  get responseHeader(): Headers {
    return this.call.ownHeader();
  }
  get responseTrailer(): Headers {
    return this.call.ownTrailer();
  }
  get values(): ContextValues {
    return this.call.contextValues();
  }
  timeoutMs(): number | undefined {
    return this.call.init.lifetime.timeoutMs();
  }
}

/**
 * The context of a request an interceptor copied: what the copy holds wins, what a copy of
 * the class loses (its prototype getters) comes from the call.
 */
function copiedContext(call: UnaryCall, received: UnaryRequest): HandlerContext {
  const { lifetime, method, requestMethod, protocolName } = call.init;
  return {
    method,
    service: received.service ?? method.parent,
    requestMethod,
    protocolName,
    timeoutMs: () => lifetime.timeoutMs(),
    url: received.url ?? call.url(),
    signal: received.signal ?? lifetime.signal,
    requestHeader: received.header ?? call.header(),
    get responseHeader() {
      return call.ownHeader();
    },
    get responseTrailer() {
      return call.ownTrailer();
    },
    values: received.contextValues ?? call.contextValues(),
  };
}

class CallResponse implements UnaryResponse {
  readonly stream = false;

  constructor(
    private readonly call: UnaryCall,
    readonly message: Message,
  ) {}

  get service(): DescService {
    return this.call.init.method.parent;
  }
  get method(): DescMethodUnary {
    return this.call.init.method;
  }
  get header(): Headers {
    return this.call.ownHeader();
  }
  get trailer(): Headers {
    return this.call.ownTrailer();
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
