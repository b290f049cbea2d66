import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { AdminService } from "../../gen/es/tessera/admin/v1/admin_pb.js";
import { AdminServiceService } from "../../gen/grpc-js/tessera/admin/v1/admin.js";
import { rest } from "../harness/rest.js";
import { callRpc } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";

/** The admin key the admin tests configure. */
export const adminKey = "admin-test-key-0123456789abcdef";

/** The transports the admin API is served over, each case of a table runs over all three. */
export const adminTransports = ["rest", "grpc", "connect"] as const;

/** One of the admin transports. */
export type AdminTransport = (typeof adminTransports)[number];

/**
 * The outcome of an admin call, the same shape whatever the transport: the output as proto3
 * JSON, or the error as the snake_case gRPC code name (REST's `error`), with the HTTP status
 * (REST) or the ErrorInfo reason (RPC).
 */
export type AdminResult = { ok: true; output: Record<string, unknown> } | { ok: false; error: string; message: string; status: number | undefined; reason: string | undefined };

type Json = Record<string, unknown>;
type RestCall = { method: string; path: string; body?: Json; query?: Record<string, string> };

const enc = encodeURIComponent;

/** The REST binding of each unary RPC, as the proto declares it: written out so that a wrong binding fails here. */
const restCalls: Record<string, (input: Json) => RestCall> = {
  listUsers: (input) => ({ method: "GET", path: "/admin/users", query: queryOf(input) }),
  getUser: (input) => ({ method: "GET", path: `/admin/users/${enc(String(input.userId))}` }),
  deleteUser: (input) => ({ method: "DELETE", path: `/admin/users/${enc(String(input.userId))}` }),
  lockUser: (input) => ({ method: "POST", path: `/admin/users/${enc(String(input.userId))}/lock`, body: without(input, "userId") }),
  unlockUser: (input) => ({ method: "POST", path: `/admin/users/${enc(String(input.userId))}/unlock` }),
  listUserSessions: (input) => ({ method: "GET", path: `/admin/users/${enc(String(input.userId))}/sessions` }),
  revokeSession: (input) => ({ method: "DELETE", path: `/admin/users/${enc(String(input.userId))}/sessions/${enc(String(input.sessionId))}` }),
  revokeUserSessions: (input) => ({ method: "DELETE", path: `/admin/users/${enc(String(input.userId))}/sessions` }),
  listCredentials: (input) => ({ method: "GET", path: `/admin/users/${enc(String(input.userId))}/credentials` }),
  deleteCredential: (input) => ({ method: "DELETE", path: `/admin/users/${enc(String(input.userId))}/credentials/${enc(String(input.credentialId))}` }),
  listAuthentiqKeys: (input) => ({ method: "GET", path: "/admin/authentiq-keys", query: queryOf(input) }),
  deleteAuthentiqKey: (input) => ({ method: "DELETE", path: `/admin/authentiq-keys/${enc(String(input.pk))}` }),
  introspectToken: (input) => ({ method: "POST", path: "/admin/tokens/introspect", body: input }),
  listAuditEvents: (input) => ({ method: "GET", path: "/admin/audit-events", query: queryOf(flatten(input)) }),
  listWebhooks: () => ({ method: "GET", path: "/admin/webhooks" }),
  createWebhook: (input) => ({ method: "POST", path: "/admin/webhooks", body: input }),
  updateWebhook: (input) => ({ method: "PATCH", path: `/admin/webhooks/${enc(String(input.webhookId))}`, body: without(input, "webhookId") }),
  deleteWebhook: (input) => ({ method: "DELETE", path: `/admin/webhooks/${enc(String(input.webhookId))}` }),
  listWebhookDeliveries: (input) => ({ method: "GET", path: `/admin/webhooks/${enc(String(input.webhookId))}/deliveries`, query: queryOf(without(input, "webhookId")) }),
};

/** The snake_case name of a gRPC code, as the admin REST dialect's `error` spells it. */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Calls AdminService `method` on the server's management port over `transport`, with `input`
 * as proto3 JSON (camelCase), and `key` as the Bearer admin key (none when null).
 */
export async function adminCall(transport: AdminTransport, server: TestServer, method: string, input: Json = {}, key: string | null = adminKey): Promise<AdminResult> {
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  if (transport === "rest") {
    const call = restCalls[method];
    if (call === undefined) throw new Error(`no REST binding for ${method} in the test table`);
    const { method: verb, path, body, query } = call(input);
    const search = query === undefined || Object.keys(query).length === 0 ? "" : `?${new URLSearchParams(query).toString()}`;
    const response = await rest(server.app.adminUrl, verb, path + search, { ...(body === undefined ? {} : { body }), headers });
    if (response.status >= 200 && response.status < 300) return { ok: true, output: (response.json ?? {}) as Json };
    const error = response.json as { error?: unknown; message?: unknown } | undefined;
    return { ok: false, error: String(error?.error), message: String(error?.message), status: response.status, reason: undefined };
  }
  const descriptor = AdminService.methods.find((candidate) => candidate.localName === method);
  if (descriptor === undefined) throw new Error(`AdminService has no method ${method}`);
  const message = fromJson(descriptor.input, input as JsonValue);
  const result = await callRpc(transport === "grpc" ? "grpc" : "connect-json", server.app.adminUrl, AdminService, AdminServiceService, method, message as never, headers);
  if (result.ok) return result;
  return { ok: false, error: codeName(result.code), message: result.message, status: undefined, reason: result.reason };
}

/** Like adminCall, but the call must succeed: its output. */
export async function adminOk(transport: AdminTransport, server: TestServer, method: string, input: Json = {}): Promise<Json> {
  const result = await adminCall(transport, server, method, input);
  if (!result.ok) throw new Error(`${method} over ${transport} failed: ${result.error} ${result.message}`);
  return result.output;
}

function queryOf(input: Json): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) query[name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = String(value);
  return query;
}

/** Nested members as dotted names (`filter.userId`), for query parameters; a one-item list as its item. */
function flatten(input: Json, prefix = ""): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(input)) {
    if (Array.isArray(value)) out[prefix + name] = value.length === 1 ? value[0] : value.join(",");
    else if (typeof value === "object" && value !== null) Object.assign(out, flatten(value as Json, `${prefix}${name}.`));
    else out[prefix + name] = value;
  }
  return out;
}

function without(input: Json, name: string): Json {
  const copy = { ...input };
  delete copy[name];
  return copy;
}
