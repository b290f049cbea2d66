import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshEmail } from "../authenticator/authenticator-client.js";
import { rest } from "../harness/rest.js";
import { adminKey } from "./admin-client.js";
import { startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// The admin API's REST edges: a query parameter that names no field is refused (a misspelt
// filter must not list everyone), a malformed value is a 400, never a 500, and a body that is
// not JSON is a 415 that says so.

let world: AdminWorld;
let userId: string;
beforeAll(async () => {
  world = await startAdminWorld();
  const created = await rest(world.server.url, "POST", "/users", { body: { email: freshEmail() } });
  expect(created.status, created.text).toBe(200);
  userId = (created.json as { user_id: string }).user_id;
});
afterAll(async () => {
  await world?.close();
});

const key = { authorization: `Bearer ${adminKey}` };
const someId = randomUUID();

type Case = { name: string; method: string; path: () => string; body?: Record<string, unknown>; status: number; mentions: string | RegExp };

/** One request per admin REST route with a parameter it does not take, then malformed values. */
const refused: Case[] = [
  { name: "list users, a misspelt filter", method: "GET", path: () => "/admin/users?emial=x%40example.com", status: 400, mentions: "emial" },
  { name: "get user, a field the path sets", method: "GET", path: () => `/admin/users/${userId}?user_id=${someId}`, status: 400, mentions: "user_id" },
  { name: "delete user", method: "DELETE", path: () => `/admin/users/${someId}?force=true`, status: 400, mentions: "force" },
  { name: "lock user (body route)", method: "POST", path: () => `/admin/users/${someId}/lock?reason=x`, body: {}, status: 400, mentions: "reason" },
  { name: "unlock user", method: "POST", path: () => `/admin/users/${someId}/unlock?now=1`, status: 400, mentions: "now" },
  { name: "list sessions", method: "GET", path: () => `/admin/users/${userId}/sessions?product=hanko`, status: 400, mentions: "product" },
  { name: "revoke session", method: "DELETE", path: () => `/admin/users/${someId}/sessions/${someId}?all=1`, status: 400, mentions: "all" },
  { name: "revoke all sessions", method: "DELETE", path: () => `/admin/users/${someId}/sessions?product=hanko`, status: 400, mentions: "product" },
  { name: "list credentials", method: "GET", path: () => `/admin/users/${userId}/credentials?type=webauthn`, status: 400, mentions: "type" },
  { name: "delete credential", method: "DELETE", path: () => `/admin/users/${someId}/credentials/${someId}?x=1`, status: 400, mentions: "x" },
  { name: "introspect (body route)", method: "POST", path: () => "/admin/tokens/introspect?token=abc", body: { token: "abc" }, status: 400, mentions: "token" },
  { name: "list audit events, a filter outside filter.", method: "GET", path: () => `/admin/audit-events?user_id=${userId}`, status: 400, mentions: "user_id" },
  { name: "list audit events, a misspelt nested filter", method: "GET", path: () => `/admin/audit-events?filter.usr_id=${userId}`, status: 400, mentions: "filter.usr_id" },
  { name: "list webhooks", method: "GET", path: () => "/admin/webhooks?enabled=true", status: 400, mentions: "enabled" },
  { name: "create webhook (body route)", method: "POST", path: () => "/admin/webhooks?url=x", body: {}, status: 400, mentions: "url" },
  { name: "update webhook (body route)", method: "PATCH", path: () => `/admin/webhooks/${someId}?enabled=false`, body: {}, status: 400, mentions: "enabled" },
  { name: "delete webhook", method: "DELETE", path: () => `/admin/webhooks/${someId}?force=1`, status: 400, mentions: "force" },
  { name: "list deliveries", method: "GET", path: () => `/admin/webhooks/${someId}/deliveries?limit=5`, status: 400, mentions: "limit" },
  { name: "a non-numeric page size", method: "GET", path: () => "/admin/users?page_size=ten", status: 400, mentions: /page_?size/i },
  { name: "a fractional page size", method: "GET", path: () => "/admin/audit-events?page_size=1.5", status: 400, mentions: /page_?size/i },
  { name: "a page size over the bound", method: "GET", path: () => "/admin/users?page_size=100000", status: 400, mentions: /page_?size/i },
  { name: "a page token this server never issued", method: "GET", path: () => "/admin/users?page_token=not-a-token", status: 400, mentions: "page_token" },
  { name: "a base64 page token of something else", method: "GET", path: () => `/admin/audit-events?page_token=${Buffer.from('{"a":1}').toString("base64url")}`, status: 400, mentions: "page_token" },
  { name: "a deliveries page token never issued", method: "GET", path: () => `/admin/webhooks/${someId}/deliveries?page_token=%E2%9C%93`, status: 400, mentions: "page_token" },
  { name: "a bad time", method: "GET", path: () => "/admin/users?created_after=yesterday", status: 400, mentions: /created_?after/i },
  { name: "a bad audit time", method: "GET", path: () => "/admin/audit-events?filter.before=2026-13-45T00:00:00Z", status: 400, mentions: "before" },
  { name: "a message given a scalar", method: "GET", path: () => "/admin/audit-events?filter=all", status: 400, mentions: "filter" },
  { name: "a bad user id in the path", method: "GET", path: () => "/admin/users/not-a-uuid", status: 400, mentions: "user_id" },
];

describe("admin REST requests are read strictly", () => {
  it.each(refused)("$name -> invalid_argument naming the parameter", async ({ method, path, body, status, mentions }) => {
    const answer = await rest(world.server.app.adminUrl, method, path(), { headers: key, ...(body === undefined ? {} : { body }) });
    expect(answer.status, answer.text).toBe(status);
    expect(answer.json, answer.text).toEqual({ error: "invalid_argument", message: typeof mentions === "string" ? expect.stringContaining(mentions) : expect.stringMatching(mentions) });
  });

  it("the same routes with only the parameters they take answer", async () => {
    const email = freshEmail();
    const created = await rest(world.server.url, "POST", "/users", { body: { email } });
    const listed = await rest(world.server.app.adminUrl, "GET", `/admin/users?email=${encodeURIComponent(email)}&page_size=5`, { headers: key });
    expect(listed.status, listed.text).toBe(200);
    expect((listed.json as { users: Array<{ id: string }> }).users.map((user) => user.id)).toEqual([(created.json as { user_id: string }).user_id]);
    const events = await rest(world.server.app.adminUrl, "GET", `/admin/audit-events?filter.user_id=${userId}&filter.after=2020-01-01T00:00:00Z&page_size=2`, { headers: key });
    expect(events.status, events.text).toBe(200);
    const sessions = await rest(world.server.app.adminUrl, "GET", `/admin/users/${userId}/sessions`, { headers: key });
    expect(sessions.status, sessions.text).toBe(200);
  });

  it("the product APIs keep ignoring parameters they do not know", async () => {
    const jwks = await rest(world.server.url, "GET", "/.well-known/jwks.json?utm_source=x");
    expect(jwks.status, jwks.text).toBe(200);
  });
});

/** Bodies of POST /admin/tokens/introspect that are not JSON, as curl -d and others send them. */
const notJson: Array<{ name: string; headers: Record<string, string>; body: string }> = [
  { name: "curl -d (form type, a JSON text)", headers: { "content-type": "application/x-www-form-urlencoded" }, body: '{"token":"abc"}' },
  { name: "a form body", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "token=abc" },
  { name: "text/plain", headers: { "content-type": "text/plain" }, body: '{"token":"abc"}' },
  { name: "no content type", headers: {}, body: '{"token":"abc"}' },
];

describe("admin REST bodies must be JSON", () => {
  it.each(notJson)("$name -> 415 invalid_argument asking for application/json", async ({ headers, body }) => {
    const answer = await rest(world.server.app.adminUrl, "POST", "/admin/tokens/introspect", { headers: { ...key, ...headers }, rawBody: body });
    expect(answer.status, answer.text).toBe(415);
    expect(answer.json).toEqual({ error: "invalid_argument", message: expect.stringContaining("must be application/json") });
  });

  it("a JSON body (also with a charset or a +json type) is read", async () => {
    for (const type of ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"]) {
      const answer = await rest(world.server.app.adminUrl, "POST", "/admin/tokens/introspect", { headers: { ...key, "content-type": type }, rawBody: '{"token":"abc"}' });
      expect(answer.status, `${type}: ${answer.text}`).toBe(200);
      expect(answer.json).toMatchObject({ active: false, subject: "" });
    }
  });

  it("the product APIs keep their own answer to a form body", async () => {
    const answer = await rest(world.server.url, "POST", "/users", { headers: { "content-type": "text/plain" }, rawBody: '{"email":"a@example.com"}' });
    expect(answer.status, answer.text).toBe(415);
  });
});
