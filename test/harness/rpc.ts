import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { create, fromBinary, toBinary, toJson, type DescMessage, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/es/google/rpc/status_pb.js";

/** The RPC transports a black-box test runs every case over. */
export const rpcTransports = ["grpc", "connect-json", "connect-binary", "grpc-web"] as const;

/** One of the RPC transports. */
export type RpcTransport = (typeof rpcTransports)[number];

/** The outcome of an RPC: the output as proto3 JSON (implicit fields included), or the error. */
export type RpcResult = { ok: true; output: Record<string, unknown> } | { ok: false; code: Code; reason: string | undefined; message: string };

/** A ts-proto service definition from `gen/grpc-js` (requestDeserialize/responseSerialize). */
type GrpcDefinition = grpc.ServiceDefinition;

/**
 * Calls `method` of `service` on the server at `url` over `transport`. gRPC goes through a
 * `@grpc/grpc-js` client made from the ts-proto definition in `gen/grpc-js`; the others
 * through connect-node transports.
 */
export async function callRpc<S extends DescService>(
  transport: RpcTransport,
  url: string,
  service: S,
  grpcDefinition: GrpcDefinition,
  methodName: string,
  input: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<RpcResult> {
  const method = service.methods.find((candidate) => candidate.localName === methodName || candidate.name === methodName);
  if (method === undefined) throw new Error(`${service.typeName} has no method ${methodName}`);
  const request = create(method.input, input as MessageInitShape<DescMessage>);
  if (transport === "grpc") return callGrpc(url, grpcDefinition, method.name, toBinary(method.input, request), method.output, headers);
  const client = createClient(service, connectTransport(transport, url)) as unknown as Record<string, (req: unknown, options: unknown) => Promise<unknown>>;
  try {
    const output = await client[method.localName]!(request, { headers });
    return { ok: true, output: toJson(method.output, output as never, { alwaysEmitImplicit: true }) as Record<string, unknown> };
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { ok: false, code: connectError.code, reason: connectError.findDetails(ErrorInfoSchema)[0]?.reason, message: connectError.rawMessage };
  }
}

function connectTransport(transport: Exclude<RpcTransport, "grpc">, url: string): Transport {
  switch (transport) {
    case "connect-json":
      return createConnectTransport({ baseUrl: url, httpVersion: "1.1" });
    case "connect-binary":
      return createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" });
  }
}

const grpcClients = new Map<string, grpc.Client>();

/** Closes the cached gRPC channels (call in afterAll). */
export function closeGrpcClients(): void {
  for (const client of grpcClients.values()) client.close();
  grpcClients.clear();
}

async function callGrpc(url: string, definition: GrpcDefinition, methodName: string, requestBytes: Uint8Array, output: DescMessage, headers: Record<string, string>): Promise<RpcResult> {
  const entry = Object.values(definition).find((candidate) => candidate.path.endsWith(`/${methodName}`));
  if (entry === undefined) throw new Error(`no gRPC method ${methodName}`);
  const address = new URL(url).host;
  const key = `${address}|${entry.path.split("/")[1]}`;
  let client = grpcClients.get(key);
  if (client === undefined) {
    const Client = grpc.makeGenericClientConstructor(definition, "");
    client = new Client(address, grpc.credentials.createInsecure());
    grpcClients.set(key, client);
  }
  const request = entry.requestDeserialize(Buffer.from(requestBytes));
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      entry.path,
      entry.requestSerialize,
      (bytes: Buffer) => bytes,
      request,
      metadata(headers),
      { deadline: Date.now() + 10_000 },
      (error: grpc.ServiceError | null, response?: Buffer) => {
        if (error) {
          resolve({ ok: false, code: error.code as number as Code, reason: grpcReason(error.metadata), message: error.details });
          return;
        }
        resolve({ ok: true, output: toJson(output, fromBinary(output, response!), { alwaysEmitImplicit: true }) as Record<string, unknown> });
      },
    );
  });
}

function grpcReason(metadata: grpc.Metadata | undefined): string | undefined {
  const raw = metadata?.get("grpc-status-details-bin")[0];
  if (raw === undefined) return undefined;
  const status = fromBinary(StatusSchema, typeof raw === "string" ? Buffer.from(raw, "base64") : raw);
  for (const detail of status.details) {
    const info = anyUnpack(detail, ErrorInfoSchema);
    if (info !== undefined) return info.reason;
  }
  return undefined;
}

function metadata(headers: Record<string, string>): grpc.Metadata {
  const out = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) out.set(name.toLowerCase(), value);
  return out;
}
