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

  it("is not served with DEMO_ENABLED=false", async () => {
    const server = await startTestServer({ DEMO_ENABLED: "false" });
    servers.push(server);
    const page = await rest(server.url, "GET", "/demo/");
    expect(page.status).toBe(404);
    expect(page.headers["content-security-policy"]).toBeUndefined();
  });
});
