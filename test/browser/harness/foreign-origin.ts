import type { Page } from "playwright-core";
import { freePorts } from "../../harness/free-port.js";

/**
 * Opens an empty page on another origin of the same host (http://localhost:<another port>), one
 * not in the server's ORIGIN: the RP ID `localhost` is still valid there, so the browser runs the
 * ceremony and only the server can tell the origin is wrong. The page is answered by the test
 * (a route), no server listens there.
 */
export async function openForeignOrigin(page: Page): Promise<string> {
  const [port] = await freePorts(1);
  const origin = `http://localhost:${port}`;
  await page.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>another site</title>" }));
  await page.goto(`${origin}/`);
  return origin;
}
