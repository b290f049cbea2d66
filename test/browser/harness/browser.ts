import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, the browser the suite drives (the package `chromium`). */
export const chromiumPath = process.env.TESSERA_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Flags every launch passes. The machine's network is closed: without the background-networking
 * flags Chromium keeps trying Google's hosts; QUIC and the GPU are of no use headless.
 */
const chromiumFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Why the browser suite cannot run here, or undefined when it can. With TESSERA_REQUIRE_BROWSER=1
 * (CI) a missing browser is not a reason to skip: the suites run and fail.
 */
export function browserSkipReason(): string | undefined {
  if (process.env.TESSERA_REQUIRE_BROWSER === "1") return undefined;
  if (existsSync(chromiumPath)) return undefined;
  return `${chromiumPath} is missing (install Debian's chromium, or set TESSERA_REQUIRE_BROWSER=1 to fail instead)`;
}

/** Starts headless Chromium with a fresh profile (playwright makes a new user data directory per launch). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags, timeout: 30_000 });
}
