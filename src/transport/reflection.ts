import { toBinary, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionResponseSchema,
} from "../../gen/es/grpc/reflection/v1/reflection_pb.js";
import { registerService, type ServiceRegistration } from "./services.js";

type ResponseInit = MessageInitShape<typeof ServerReflectionResponseSchema>;

/**
 * gRPC server reflection (`grpc.reflection.v1`) over the served services' descriptors, so
 * `grpcurl` and `buf curl --reflect` work without the proto files. No npm package serves it
 * for connect-node (DESIGN.md).
 */
export function reflectionService(served: readonly DescService[]): ServiceRegistration {
  const services = [...served, ServerReflection];
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const addFile = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dependency of file.dependencies) addFile(dependency);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
    const addMessage = (message: DescMessage): void => {
      symbols.set(message.typeName, file);
      for (const nested of message.nestedMessages) addMessage(nested);
      for (const nested of message.nestedEnums) symbols.set(nested.typeName, file);
    };
    for (const message of file.messages) addMessage(message);
    for (const enumeration of file.enums) symbols.set(enumeration.typeName, file);
  };
  for (const service of services) addFile(service.file);

  const withDependencies = (file: DescFile): Uint8Array[] => {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (current: DescFile): void => {
      if (seen.has(current.proto.name)) return;
      seen.add(current.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, current.proto));
      for (const dependency of current.dependencies) visit(dependency);
    };
    visit(file);
    return out;
  };
  const notFound = (what: string): ResponseInit["messageResponse"] => ({
    case: "errorResponse",
    value: { errorCode: Code.NotFound, errorMessage: `${what} not found` },
  });
  const answer = (request: ServerReflectionRequest): ResponseInit["messageResponse"] => {
    const { messageRequest } = request;
    switch (messageRequest.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: services.map((service) => ({ name: service.typeName })) } };
      case "fileByFilename": {
        const file = files.get(messageRequest.value);
        return file === undefined ? notFound(`file ${messageRequest.value}`) : { case: "fileDescriptorResponse", value: { fileDescriptorProto: withDependencies(file) } };
      }
      case "fileContainingSymbol": {
        const file = symbols.get(messageRequest.value.replace(/^\./, ""));
        return file === undefined ? notFound(`symbol ${messageRequest.value}`) : { case: "fileDescriptorResponse", value: { fileDescriptorProto: withDependencies(file) } };
      }
      case "fileContainingExtension":
        return notFound(`extension ${messageRequest.value.containingType}(${messageRequest.value.extensionNumber})`);
      case "allExtensionNumbersOfType":
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: messageRequest.value, extensionNumber: [] } };
      case undefined:
        return { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "empty request" } };
    }
  };

  return registerService(ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answer(request) };
      }
    },
  });
}
