import { afterAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe("the demo web app on a real server", () => {
  it("is served at /demo/ with DEMO_ENABLED=true: the committed bundle, its content types and CSP", async () => {
    const server = await startTestServer({ DEMO_ENABLED: "true" });
    servers.push(server);
    const page = await rest(server.url, "GET", "/demo/");
    expect(page).toMatchObject({ status: 200, headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": expect.stringContaining("script-src 'self'") } });
    expect(page.text).toContain('<script type="module" src="app.js"></script>');
    expect(await rest(server.url, "GET", "/demo/app.js")).toMatchObject({ status: 200, headers: { "content-type": "text/javascript; charset=utf-8" } });
    // The API beside it is untouched.
    expect((await rest(server.url, "GET", "/.well-known/config")).status).toBe(200);
  });

  it("with DEMO_ENABLED unset, is on for the embedded database and off on PostgreSQL, as `npm start` runs it", async () => {
    const server = await startTestServer();
    servers.push(server);
    const page = await rest(server.url, "GET", "/demo/");
    const expected = { pglite: 200, postgres: 404 }[server.engine];
    expect(page.status).toBe(expected);
    // The first-start line points a newcomer at the demo only where it is served.
    const listening = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line["message"] === "tessera listening");
    expect(listening?.["demo"]).toEqual(expected === 200 ? expect.stringMatching(/^https?:\/\/[^/]+\/demo\/$/) : undefined);
  });

  it("is not served with DEMO_ENABLED=false", async () => {
    const server = await startTestServer({ DEMO_ENABLED: "false" });
    servers.push(server);
    const page = await rest(server.url, "GET", "/demo/");
    expect(page.status).toBe(404);
    expect(page.headers["content-security-policy"]).toBeUndefined();
  });
});
