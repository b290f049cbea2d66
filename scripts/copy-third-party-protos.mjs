// Copies the third-party protos Tessera builds on into third_party/, so `buf generate` needs
// nothing from the network: google/api and google/rpc from the npm package google-proto-files,
// grpc/reflection/v1 from @grpc/reflection.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const sources = [
  {
    root: dirname(require.resolve("google-proto-files/package.json")),
    files: ["google/api/annotations.proto", "google/api/http.proto", "google/rpc/error_details.proto", "google/rpc/status.proto"],
  },
  {
    root: join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto"),
    files: ["grpc/reflection/v1/reflection.proto"],
  },
];
for (const { root, files } of sources) {
  for (const file of files) {
    const target = join("third_party", file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(root, file), target);
  }
}
