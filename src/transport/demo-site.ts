import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../log.js";
import { createStaticSite, type StaticSite } from "./static-site.js";

/** Where the demo web app's committed bundle lives (`npm run build:demo` writes it). */
const demoDirectory = join("examples", "web", "dist");

/**
 * The demo web app at `/demo/`, or undefined when it is off. The bundle is found from this
 * module upwards (src/ under the tests, dist/src/ when built). Asked for and missing, the start
 * fails; on by default and missing (an image without examples/), a warning says so.
 */
export function loadDemoSite(asked: "on" | "default", logger: Logger): StaticSite | undefined {
  const directory = findUpwards(dirname(fileURLToPath(import.meta.url)), demoDirectory);
  if (directory === undefined) {
    if (asked === "on") throw new Error(`DEMO_ENABLED=true but ${demoDirectory}/ is missing: run \`npm run build:demo\``);
    logger.warn("demo web app not served: its bundle is missing", { missing: demoDirectory });
    return undefined;
  }
  return createStaticSite("/demo", directory);
}

function findUpwards(start: string, relative: string): string | undefined {
  for (let directory = start; ; directory = dirname(directory)) {
    const candidate = join(directory, relative);
    if (existsSync(join(candidate, "index.html"))) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
