import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const viteNode = join("node_modules", ".bin", "vite-node");

/** A script of src/ running in a process of its own, and what it printed so far. */
export interface ScriptRun {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/** Runs `src/<script>` as `npm start` / `npm run tessera` / `npm run migrate` do, without the build step. */
export function runScript(script: string, args: string[], env: Record<string, string>): ScriptRun {
  const child = spawn(viteNode, [script, ...args], { env: { ...process.env, ADMIN_PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** The port a server started by `runScript("src/main.ts", …)` logged, once it listens. */
export function listeningPort(run: ScriptRun): string | undefined {
  return /"tessera listening","port":(\d+)/.exec(run.stderr())?.[1];
}
