import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

/** Where the transpiled tree lives: inside node_modules, so that its imports resolve to the repo's packages. */
const cacheRoot = join("node_modules", ".cache", "tessera-entry");

/** What the server imports: src/ and the protobuf-es code (gen/grpc-js is the tests' client). */
const sourceDirs = ["src", join("gen", "es")];

/** JavaScript of src/ and gen/es/, for running `node <dir>/src/main.js` as `npm start` runs dist/src/main.js. */
export interface TranspiledEntry {
  /** The entry point: `<dir>/src/main.js`. */
  main: string;
  remove(): void;
}

/**
 * Transpiles every non-test TypeScript file of src/ and gen/es/ to JavaScript (no type check: the
 * typecheck step does that; seconds instead of a minute of `tsc`), with the repo's compiler
 * options, into a directory of its own. node:cluster forks the entry file its primary runs, so
 * multi-process tests need a real JavaScript entry point, which vite-node does not give.
 */
export function transpileEntry(): TranspiledEntry {
  const options = ts.parseJsonConfigFileContent(ts.readConfigFile("tsconfig.json", (path) => ts.sys.readFile(path)).config, ts.sys, ".").options;
  const dir = join(cacheRoot, randomBytes(4).toString("hex"));
  for (const top of sourceDirs) {
    for (const file of typeScriptFiles(top)) {
      const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions: { ...options, module: ts.ModuleKind.ES2022, sourceMap: false }, fileName: file });
      const target = join(dir, relative(".", file)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
  }
  // Package scope lookup stops at node_modules: say that these files are ES modules.
  writeFileSync(join(dir, "package.json"), '{"type":"module"}\n');
  return { main: join(dir, "src", "main.js"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}
