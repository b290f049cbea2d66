import { create, createFileRegistry, fromBinary, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerReflection, type ServerReflectionRequest, type ServerReflectionRequestSchema } from "../../gen/es/grpc/reflection/v1/reflection_pb.js";
import { productDialects } from "../../src/products/dialects.js";
import { createRouteTable, type RouteTable } from "../../src/transport/rest/route-table.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { documentNames, operationsOf, readDocument } from "./documents.js";

let server: TestServer;
let table: RouteTable;
/** The management port's routes: the admin API's. */
let adminTable: RouteTable;
beforeAll(async () => {
  server = await startTestServer();
  table = createRouteTable(await servedServices(server.url), productDialects);
  adminTable = createRouteTable(await servedServices(server.app.adminUrl), productDialects);
});
afterAll(async () => {
  await server?.close();
});

/**
 * The services the running server registers, with the descriptors it serves, from its own
 * gRPC reflection: what its route table is built from (src/transport/server.ts).
 */
async function servedServices(url: string): Promise<DescService[]> {
  const client = createClient(ServerReflection, createGrpcTransport({ baseUrl: url }));
  const ask = async (requests: Array<MessageInitShape<typeof ServerReflectionRequestSchema>>) => {
    async function* stream() {
      for (const request of requests) yield request as ServerReflectionRequest;
    }
    const responses = [];
    for await (const response of client.serverReflectionInfo(stream())) responses.push(response);
    return responses;
  };
  const [listed] = await ask([{ messageRequest: { case: "listServices", value: "" } }]);
  if (listed?.messageResponse.case !== "listServicesResponse") throw new Error("reflection did not list the services");
  const names = listed.messageResponse.value.service.map((service) => service.name).filter((name) => name !== "grpc.reflection.v1.ServerReflection");
  const answers = await ask(names.map((name) => ({ messageRequest: { case: "fileContainingSymbol", value: name } })));
  // Each answer is the service's file, then those of its dependencies the stream has not sent yet.
  const byName = new Map<string, FileDescriptorProto>();
  const roots = answers.map((answer, index) => {
    if (answer.messageResponse.case !== "fileDescriptorResponse") throw new Error(`reflection did not answer ${names[index]}'s file`);
    const files = answer.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    for (const file of files) byName.set(file.name, file);
    return files[0]!;
  });
  // Dependencies before the files importing them, as a FileDescriptorSet must list them.
  const ordered: FileDescriptorProto[] = [];
  const visit = (file: FileDescriptorProto): void => {
    if (ordered.includes(file)) return;
    for (const dependency of file.dependency) {
      const found = byName.get(dependency);
      if (found === undefined) throw new Error(`reflection did not send ${dependency}`);
      visit(found);
    }
    ordered.push(file);
  };
  roots.forEach(visit);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
  return names.map((name) => {
    const service = registry.getService(name);
    if (service === undefined) throw new Error(`reflection did not describe ${name}`);
    return service;
  });
}

/** A path that the template matches: each variable a value no literal segment has. */
function samplePath(template: string): string {
  return template.replace(/\{[^}]+\}/g, "sample-value-1");
}

/** Every `VERB template` the route table serves (HEAD included where the rule allows it), sorted. */
function servedRoutes(routes: RouteTable): string[] {
  const served = new Set<string>();
  for (const route of routes.routes) {
    const match = routes.match(samplePath(route.template));
    if (!match.found) throw new Error(`the table does not match its own route ${route.template}`);
    const template = route.template.replace(/\{([^}=]+)=\*\}/g, "{$1}");
    for (const verb of match.routes.keys()) served.add(`${verb} ${template}`);
  }
  return [...served].sort();
}

describe("the all-products OpenAPI document against the running server's routes", () => {
  it("serves the five products' services", () => {
    expect(new Set(table.routes.map((route) => route.dialect.name))).toEqual(new Set(["hanko", "jincor", "authentiq", "authenticator", "authfi"]));
  });

  it("serves the admin API on the management port", () => {
    expect(new Set(adminTable.routes.map((route) => route.dialect.name))).toEqual(new Set(["admin"]));
  });

  it("describes every REST route the server serves on its two ports, with its method and path template, and nothing else", () => {
    const served = [...servedRoutes(table), ...servedRoutes(adminTable)].sort();
    expect(served.length).toBeGreaterThan(50);
    expect(served.some((route) => route.startsWith("HEAD "))).toBe(true);
    expect(operationsOf(readDocument("tessera"))).toEqual(served);
  });

  it("keeps the admin API's routes under /admin/ and off the main port", () => {
    const admin = operationsOf(readDocument("admin"));
    expect(admin.length).toBeGreaterThan(10);
    expect(admin.filter((operation) => !operation.split(" ")[1]!.startsWith("/admin/"))).toEqual([]);
    expect(servedRoutes(table).filter((route) => admin.includes(route))).toEqual([]);
  });

  it("puts each route in the document of the product whose dialect it answers in", () => {
    const byRoute = new Map<string, string>();
    for (const name of documentNames.filter((candidate) => candidate !== "tessera")) {
      for (const operation of operationsOf(readDocument(name))) byRoute.set(operation, name);
    }
    const misplaced = [...table.routes, ...adminTable.routes]
      .map((route) => ({ key: `${route.verb} ${route.template.replace(/\{([^}=]+)=\*\}/g, "{$1}")}`, dialect: route.dialect.name }))
      .filter(({ key, dialect }) => byRoute.get(key) !== dialect);
    expect(misplaced).toEqual([]);
  });
});
