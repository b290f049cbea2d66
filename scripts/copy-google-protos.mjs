// Copies the google/api and google/rpc protos Tessera imports from the npm package
// google-proto-files into third_party/, so `buf generate` needs nothing from the network.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = dirname(require.resolve("google-proto-files/package.json"));
const files = ["google/api/annotations.proto", "google/api/http.proto", "google/rpc/error_details.proto", "google/rpc/status.proto"];
for (const file of files) {
  const target = join("third_party", file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, file), target);
}
