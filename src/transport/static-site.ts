import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { extname, join, relative, sep } from "node:path";

/** The content type of each kind of file a site may hold; any other file is not served. */
const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * Scripts, styles and calls only from the site's own origin, no inline script, no framing:
 * a page that handles sessions and passkeys must not run or be embedded by anything else.
 */
export const siteContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

interface SiteFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** Answers a request under its prefix (true) or leaves it to the next handler (false). */
export type StaticSite = (request: Http2ServerRequest | IncomingMessage, response: Http2ServerResponse | ServerResponse) => boolean;

/**
 * Serves the files of `directory` under `prefix` (`/demo`), read once at start into memory: a
 * request only ever looks a name up among those files, so no path it sends can reach outside
 * the directory (`..`, encoded slashes, symlinks to elsewhere are never followed per request).
 * `prefix/` is `index.html`; `prefix` redirects to `prefix/`. GET and HEAD only.
 */
export function createStaticSite(prefix: string, directory: string): StaticSite {
  const files = readSite(directory);
  if (!files.has("/index.html")) throw new Error(`${directory} has no index.html`);
  return (request, response) => {
    const url = request.url ?? "/";
    const path = url.split("?", 1)[0]!;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
    if (path === prefix) {
      response.writeHead(308, { location: `${prefix}/` });
      response.end();
      return true;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      response.end("Method Not Allowed\n");
      return true;
    }
    const name = path.slice(prefix.length);
    const file = files.get(name === "/" ? "/index.html" : name);
    if (file === undefined) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
      response.end("Not Found\n");
      return true;
    }
    const headers = {
      "content-type": file.contentType,
      "content-security-policy": siteContentSecurityPolicy,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-cache",
      etag: file.etag,
    };
    if (request.headers["if-none-match"] === file.etag) {
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    response.writeHead(200, { ...headers, "content-length": String(file.body.length) });
    if (request.method === "HEAD") response.end();
    else response.end(file.body);
    return true;
  };
}

/** Every servable file below `directory`, by its URL path (`/app.js`). */
function readSite(directory: string): Map<string, SiteFile> {
  const files = new Map<string, SiteFile>();
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile() && statSync(path).size <= 8 * 1024 * 1024) {
        const contentType = contentTypes[extname(entry.name).toLowerCase()];
        if (contentType === undefined) continue;
        const body = readFileSync(path);
        const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
        files.set(`/${relative(directory, path).split(sep).join("/")}`, { body, contentType, etag });
      }
    }
  };
  visit(directory);
  return files;
}
