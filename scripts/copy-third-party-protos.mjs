// Copies the third-party protos Tessera builds on into third_party/, so `buf generate` needs
// nothing from the network: google/api and google/rpc from the npm package google-proto-files,
// grpc/reflection/v1 from @grpc/reflection, grpc/health/v1 from grpc-health-check.
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
  {
    // The package keeps it as proto/health/v1; buf wants the directory to match grpc.health.v1.
    root: join(dirname(require.resolve("grpc-health-check/package.json")), "proto"),
    files: [{ from: "health/v1/health.proto", to: "grpc/health/v1/health.proto" }],
  },
];
for (const { root, files } of sources) {
  for (const file of files) {
    const { from, to } = typeof file === "string" ? { from: file, to: file } : file;
    const target = join("third_party", to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(root, from), target);
  }
}
