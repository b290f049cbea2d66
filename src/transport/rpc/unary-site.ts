import type { DescMessage, DescMethodUnary, Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate, type Compression, type MethodSerializationLookup } from "@connectrpc/connect/protocol";
import type { Logger } from "../../log.js";
import type { ClientOf } from "../client-of.js";
import { withErrorInfo } from "../error-info.js";
import type { BodyFailure } from "../read-body.js";
import type { DeadlineSweep } from "./deadline-sweep.js";
import type { UnaryChain, UnaryImplementation } from "./unary-call.js";

/** One unary RPC the unary path serves, with what it needs per call prepared once. */
export interface UnarySite {
  method: DescMethodUnary;
  implementation: UnaryImplementation;
  serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  /** Logs an error of a call's HTTP/2 stream (a client that reset it): made once, not per call. */
  streamError: (error: Error) => void;
}

/** The encodings of frozen output messages, binary and JSON, by message. */
const frozenEncodings = [new WeakMap<Message, Uint8Array>(), new WeakMap<Message, Uint8Array>()] as const;

/**
 * The output message of `site` in binary or JSON. A frozen message (see outputMessage) does not
 * change, so it is encoded once: serializing the same published keys on every call was a fifth
 * of a gRPC GetJwks call's CPU, with the garbage it left. The bytes are never written to.
 */
export function encodeOutput(site: UnarySite, binary: boolean, output: Message): Uint8Array {
  if (!Object.isFrozen(output)) return site.serialization.getO(binary).serialize(output);
  const cache = frozenEncodings[binary ? 0 : 1];
  let bytes = cache.get(output);
  if (bytes === undefined) {
    bytes = site.serialization.getO(binary).serialize(output);
    cache.set(output, bytes);
  }
  return bytes;
}

/** What every call on the unary path shares. */
export interface UnaryPathSettings {
  /** The interceptors every call goes through, composed once around the implementation. */
  chain: UnaryChain;
  readMaxBytes: number;
  /** Encodings accepted for requests and offered for responses, in the server's order. */
  acceptCompression: readonly Compression[];
  /** Responses at least this large are compressed when the client accepts an encoding. */
  compressMinBytes: number;
  logger: Logger;
  /** The one timer of every call's deadline. */
  deadlines: DeadlineSweep;
  /** Who sent a call (IP address, User-Agent), for the handler's context. */
  clientOf: ClientOf;
  /** What negotiateCompression remembered, by header values. */
  negotiated: Map<string, Negotiated>;
}

/** The RPC error of a body that could not be read (see readBody). */
export function bodyFailed(why: BodyFailure): ConnectError {
  if (why === "aborted") return new ConnectError("the request was aborted", Code.Canceled);
  if (why === "timeout") return new ConnectError("the request body took too long", Code.DeadlineExceeded);
  return new ConnectError("the request body could not be read", Code.InvalidArgument);
}

/** What the implementation or an interceptor threw, as connect-node answers it, with a reason. */
export function callFailure(thrown: unknown): ConnectError {
  return withErrorInfo(thrown instanceof ConnectError ? thrown : new ConnectError("internal error", Code.Internal, undefined, undefined, thrown));
}

/** One header value of a Node request, as Headers.get would give it. */
export function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The encodings a call's headers chose: for its request body, for its answer, or the refusal. */
export interface Negotiated {
  readonly request: Compression | null;
  readonly response: Compression | null;
  readonly error?: ConnectError | undefined;
}

const identity: Negotiated = Object.freeze({ request: null, response: null });
/** Header pairs remembered: clients send a handful of distinct ones. */
const negotiatedLimit = 64;

/**
 * compressionNegotiate of `requested` (grpc-encoding, content-encoding) and `accepted`
 * (grpc-accept-encoding, accept-encoding), remembered per pair of values: it splits and trims
 * the accepted list on every call, and most calls send none or the same one.
 */
export function negotiateCompression(settings: UnaryPathSettings, requested: string | string[] | undefined, accepted: string | string[] | undefined, acceptHeader: string): Negotiated {
  if (requested === undefined && accepted === undefined) return identity;
  const key = typeof requested !== "object" && typeof accepted !== "object" ? `${requested ?? ""}\n${accepted ?? ""}` : undefined;
  const known = key === undefined ? undefined : settings.negotiated.get(key);
  if (known !== undefined) return known;
  const negotiated = compressionNegotiate(settings.acceptCompression as Compression[], headerValue(requested), headerValue(accepted), acceptHeader);
  if (key !== undefined && negotiated.error === undefined && settings.negotiated.size < negotiatedLimit) settings.negotiated.set(key, negotiated);
  return negotiated;
}
