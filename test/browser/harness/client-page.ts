import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..", "..", "..");
const pageDir = join(root, "packages", "client", "browser-test");

function run(args: string[], what: string): void {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.error?.message ?? `status ${result.status}`}):\n${result.stdout}${result.stderr}`);
}

/**
 * The page of packages/client/browser-test/page.ts as a browser app ships it: @tessera/client
 * built from the contracts (scripts/build-client.mjs), the page type-checked against the
 * compiled package's .d.ts, then bundled with esbuild from the compiled JavaScript.
 */
export async function bundleClientPage(): Promise<string> {
  run([join(root, "scripts", "build-client.mjs")], "building @tessera/client");
  run([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(pageDir, "tsconfig.json")], "type-checking the page against @tessera/client");
  const result = await build({
    entryPoints: [join(pageDir, "page.ts")],
    tsconfig: join(pageDir, "tsconfig.json"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0]!.text;
}

/** A static site of its own (an origin other than Tessera's) serving one page and its script. */
export interface PageSite {
  port: number;
  /** `http://<host>:<port>/?api=<api>`: the page, calling the Tessera at `api`. */
  pageUrl(host: string, api: string): string;
  /** `http://<host>:<port>`. */
  origin(host: string): string;
  close(): Promise<void>;
}

const html = `<!doctype html><html><head><meta charset="utf-8"><title>@tessera/client in a browser</title></head><body><script type="module" src="/page.js"></script></body></html>`;

/** Serves `script` as /page.js under an HTML page at /, on 127.0.0.1 (reachable as localhost too). */
export async function servePage(script: string): Promise<PageSite> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?", 1)[0];
    if (request.method !== "GET") {
      response.writeHead(405).end();
    } else if (path === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
    } else if (path === "/page.js") {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" }).end(script);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    pageUrl: (host, api) => `http://${host}:${port}/?api=${encodeURIComponent(api)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
