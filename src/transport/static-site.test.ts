import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticSite, siteContentSecurityPolicy } from "./static-site.js";

let root: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tessera-site-"));
  const site = join(root, "site");
  mkdirSync(join(site, "assets"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>demo</title>");
  writeFileSync(join(site, "app.js"), "console.log(1)");
  writeFileSync(join(site, "assets", "style.css"), "body{}");
  writeFileSync(join(site, "notes.txt"), "not a site file");
  // Outside the site: what a traversal would be after.
  writeFileSync(join(root, "secret.html"), "secret");
  const serve = createStaticSite("/demo", site);
  server = http.createServer((request, response) => {
    if (!serve(request, response)) {
      response.writeHead(418);
      response.end("next handler");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

/** A raw request: the path is sent as written (fetch would normalise `..`). */
function get(path: string, method = "GET", headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}/`, { method, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("the static site under /demo", () => {
  it.each([
    ["/demo/", "text/html; charset=utf-8", "<!doctype html><title>demo</title>"],
    ["/demo/index.html", "text/html; charset=utf-8", "<!doctype html><title>demo</title>"],
    ["/demo/app.js", "text/javascript; charset=utf-8", "console.log(1)"],
    ["/demo/assets/style.css?v=1", "text/css; charset=utf-8", "body{}"],
  ])("serves %s as %s with the security headers", async (path, contentType, body) => {
    const response = await get(path);
    expect(response).toMatchObject({ status: 200, body, headers: { "content-type": contentType, "content-security-policy": siteContentSecurityPolicy, "x-content-type-options": "nosniff" } });
    expect(siteContentSecurityPolicy).toContain("script-src 'self'");
    expect(siteContentSecurityPolicy).toContain("frame-ancestors 'none'");
  });

  it("redirects /demo to /demo/ and leaves other paths to the next handler", async () => {
    expect(await get("/demo")).toMatchObject({ status: 308, headers: { location: "/demo/" } });
    expect(await get("/demonstration")).toMatchObject({ status: 418 });
    expect(await get("/users")).toMatchObject({ status: 418 });
  });

  // Directory traversal: no spelling of a path outside the site's files reaches a file.
  it.each(["/demo/../secret.html", "/demo/%2e%2e/secret.html", "/demo/..%2fsecret.html", "/demo/assets/../../secret.html", "/demo//etc/passwd", "/demo/notes.txt", "/demo/assets/", "/demo/%00"])(
    "answers 404 for %s",
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain("secret");
    },
  );

  it("answers HEAD without a body, 304 for a known ETag and 405 for other methods", async () => {
    const full = await get("/demo/app.js");
    expect(await get("/demo/app.js", "HEAD")).toMatchObject({ status: 200, body: "", headers: { "content-length": "14" } });
    expect(await get("/demo/app.js", "GET", { "if-none-match": String(full.headers.etag) })).toMatchObject({ status: 304, body: "" });
    expect(await get("/demo/app.js", "POST")).toMatchObject({ status: 405, headers: { allow: "GET, HEAD" } });
  });
});
