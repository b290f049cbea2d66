import { create, fromBinary, toBinary, toJson, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../../gen/es/tessera/admin/v1/admin_pb.js";
import { AdminServiceService } from "../../gen/grpc-js/tessera/admin/v1/admin.js";
import { createAccessPoint } from "../authfi/authfi-client.js";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { argon2id, exportText, origin } from "../transfer/transfer-harness.js";
import { adminKey } from "./admin-client.js";

// AdminService's ImportUsers and ExportUsers (server streaming) over gRPC (grpc-js, from
// gen/grpc-js) and Connect (JSON over HTTP/1.1, binary over HTTP/2): the import's events as
// they come, the export's pages; refusals of bad arguments and of a missing admin key.

let server: TestServer;
let shops: string[];
const password = "admin import password 1";
const transports = ["grpc", "connect-json", "connect-binary"] as const;
type Transport = (typeof transports)[number];
type Outcome = { ok: true; messages: Record<string, unknown>[] } | { ok: false; code: Code; message: string };

const grpcClients: grpc.Client[] = [];

/** Calls a server-streaming AdminService method; every message as proto3 JSON, or the error. */
async function stream(transport: Transport, method: "importUsers" | "exportUsers", input: Record<string, unknown>, key: string | null = adminKey): Promise<Outcome> {
  const descriptor = AdminService.methods.find((candidate) => candidate.localName === method)!;
  const output = descriptor.output as DescMessage;
  const request = create(descriptor.input, input as never);
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  if (transport === "grpc") {
    const entry = Object.values(AdminServiceService).find((candidate) => candidate.path.endsWith(`/${descriptor.name}`))!;
    const Client = grpc.makeGenericClientConstructor(AdminServiceService, "");
    const client = new Client(new URL(server.app.adminUrl).host, grpc.credentials.createInsecure());
    grpcClients.push(client);
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
    const call = client.makeServerStreamRequest(entry.path, (bytes: Buffer) => bytes, (bytes: Buffer) => bytes, Buffer.from(toBinary(descriptor.input, request)), metadata, { deadline: Date.now() + 20_000 });
    const messages: Record<string, unknown>[] = [];
    return new Promise((resolve) => {
      call.on("data", (bytes: Buffer) => messages.push(toJson(output, fromBinary(output, bytes)) as Record<string, unknown>));
      call.on("error", (error: grpc.ServiceError) => resolve({ ok: false, code: error.code as number as Code, message: decodeURIComponent(error.details) }));
      call.on("end", () => resolve({ ok: true, messages }));
    });
  }
  const client = createClient(AdminService, createConnectTransport({ baseUrl: server.app.adminUrl, httpVersion: transport === "connect-json" ? "1.1" : "2", useBinaryFormat: transport === "connect-binary" })) as unknown as Record<string, (request: unknown, options: unknown) => AsyncIterable<unknown>>;
  const messages: Record<string, unknown>[] = [];
  try {
    for await (const message of client[method]!(request, { headers })) messages.push(toJson(output, message as never) as Record<string, unknown>);
    return { ok: true, messages };
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { ok: false, code: connectError.code, message: connectError.rawMessage };
  }
}

beforeAll(async () => {
  const shop = `shop${randomBytes(5).toString("hex")}`;
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example", HANKO_PASSWORDS_ENABLED: "true", ADMIN_API_KEY: adminKey, AUTHFI_ACCESS_POINT: shop, AUTHFI_API_KEY: randomBytes(16).toString("hex") });
  shops = [shop, (await createAccessPoint(server, { slug: `other${randomBytes(5).toString("hex")}` })).slug];
});
afterAll(async () => {
  for (const client of grpcClients) client.close();
  await server?.close();
});

describe.each(transports)("ImportUsers and ExportUsers over %s", (transport) => {
  it("imports a chunk, streaming each refusal with its file line, each mapped id, then the summary; a second time changes nothing", async () => {
    const id = randomUUID();
    const legacy = `legacy-${randomUUID()}`;
    const hash = await argon2id(password);
    const records = [
      JSON.stringify({ id, email: `admin-${id}@example.com`, password_hash: hash }),
      JSON.stringify({ id: legacy, phone: `+4917${String(Date.now()).slice(-8)}` }),
      JSON.stringify({ id: randomUUID() }),
    ].join("\n");
    const first = await stream(transport, "importUsers", { format: "authenticator", records, firstLine: 101 });
    if (!first.ok) throw new Error(first.message);
    expect(first.messages).toHaveLength(3);
    expect(first.messages).toEqual(
      expect.arrayContaining([
        { refused: { line: 103, reason: "neither email nor phone" } },
        { mapped: { sourceId: legacy, userId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-/), tenant: "default" } },
      ]),
    );
    expect(first.messages.at(-1)).toEqual({ summary: { imported: 2, refused: 1 } });
    const again = await stream(transport, "importUsers", { format: "authenticator", records, firstLine: 101 });
    expect(again.ok && again.messages.at(-1)).toEqual({ summary: { unchanged: 2, refused: 1 } });
    expect((await rest(server.url, "POST", "/api/v1/login", { body: { email: `admin-${id}@example.com`, password } })).status).toBe(200);
  });

  it("names the access point of each mapped AuthFi id: the same id in two access points is two users", async () => {
    const source = `authfi-${randomUUID()}`;
    const records = shops.map((slug) => JSON.stringify({ access_point: slug, id: source, name: `alan-${transport}` })).join("\n");
    const imported = await stream(transport, "importUsers", { format: "authfi", records });
    if (!imported.ok) throw new Error(imported.message);
    const mapped = imported.messages.flatMap((message) => (message.mapped === undefined ? [] : [message.mapped as { sourceId: string; userId: string; tenant: string }]));
    expect(mapped.map(({ sourceId, tenant }) => ({ sourceId, tenant }))).toEqual(shops.map((tenant) => ({ sourceId: source, tenant })));
    expect(new Set(mapped.map((entry) => entry.userId)).size).toBe(2);
    expect(imported.messages.at(-1)).toEqual({ summary: { imported: 2 } });
  });

  it("validates a dry run without storing", async () => {
    const id = randomUUID();
    const dry = await stream(transport, "importUsers", { format: "hanko", records: JSON.stringify([{ user_id: id, emails: [{ address: `dry-${id}@example.com`, is_primary: true }] }]), dryRun: true });
    expect(dry.ok && dry.messages).toEqual([{ summary: { imported: 1 } }]);
    expect(await exportText(server)).not.toContain(id);
  });

  it("exports every user, page by page, as the command writes them", async () => {
    const exported = await stream(transport, "exportUsers", {});
    if (!exported.ok) throw new Error(exported.message);
    const lines = exported.messages.flatMap((message) => (message.lines as string[] | undefined) ?? []);
    expect(`${lines.join("\n")}\n`).toBe(await exportText(server));
  });

  it("refuses an unknown format, a chunk too large, keys that are not 32 bytes, and a call without the admin key", async () => {
    expect(await stream(transport, "importUsers", { format: "okta", records: "" })).toMatchObject({ ok: false, code: Code.InvalidArgument, message: "format must be hanko, kratos, authenticator, authfi or tessera" });
    expect(await stream(transport, "importUsers", { format: "hanko", records: " ".repeat(61 * 1024) })).toMatchObject({ ok: false, code: Code.InvalidArgument });
    expect(await stream(transport, "importUsers", { format: "tessera", records: "", totpKey: randomBytes(16) })).toMatchObject({ ok: false, code: Code.InvalidArgument, message: "totp_key must be 32 bytes" });
    expect(await stream(transport, "exportUsers", { resealKey: randomBytes(31) })).toMatchObject({ ok: false, code: Code.InvalidArgument, message: "reseal_key must be 32 bytes" });
    expect(await stream(transport, "exportUsers", {}, null)).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(await stream(transport, "importUsers", { format: "hanko", records: "" }, "wrong key")).toMatchObject({ ok: false, code: Code.Unauthenticated });
  });
});
