import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerReflection, type ServerReflectionRequest } from "../../gen/es/grpc/reflection/v1/reflection_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServerReflectionRequestSchema } from "../../gen/es/grpc/reflection/v1/reflection_pb.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function reflect(requests: Array<MessageInitShape<typeof ServerReflectionRequestSchema>>) {
  const client = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.url }));
  async function* stream() {
    for (const request of requests) yield request as ServerReflectionRequest;
  }
  const responses = [];
  for await (const response of client.serverReflectionInfo(stream())) responses.push(response);
  return responses;
}

describe("gRPC server reflection", () => {
  it("lists the served services", async () => {
    const [response] = await reflect([{ messageRequest: { case: "listServices", value: "" } }]);
    expect(response?.messageResponse.case).toBe("listServicesResponse");
    const names = response?.messageResponse.case === "listServicesResponse" ? response.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(expect.arrayContaining(["tessera.session.v1.SessionService", "tessera.identity.v1.IdentityService", "grpc.reflection.v1.ServerReflection"]));
  });

  it("returns the file declaring a symbol with its dependencies, and NOT_FOUND for an unknown one", async () => {
    const [found, missing] = await reflect([
      { messageRequest: { case: "fileContainingSymbol", value: "tessera.identity.v1.IdentityService.CreateUser" } },
      { messageRequest: { case: "fileContainingSymbol", value: "no.such.Symbol" } },
    ]);
    expect(found?.messageResponse.case).toBe("fileDescriptorResponse");
    const files = found?.messageResponse.case === "fileDescriptorResponse" ? found.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name) : [];
    expect(files[0]).toBe("tessera/identity/v1/identity.proto");
    expect(files).toEqual(expect.arrayContaining(["google/api/annotations.proto", "tessera/rest/v1/rest.proto", "google/protobuf/descriptor.proto"]));
    expect(missing?.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });
  });
});
