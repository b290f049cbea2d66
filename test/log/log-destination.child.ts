// Run by log-destination.test.ts in a child process: `fifo PATH` logs 2 MB to a FIFO that
// nobody reads and prints how long a timer waited; `exit PATH` logs 2000 lines to a file and exits at once.
import fs from "node:fs";
import { pino } from "pino";
import { createLogDestination } from "../../src/log.js";

const [mode, path] = process.argv.slice(-2) as [string, string];
const fd = fs.openSync(path, mode === "fifo" ? fs.constants.O_RDWR | fs.constants.O_NONBLOCK : "w");
const logger = pino({ base: undefined }, createLogDestination(fd));
const started = Date.now();
setTimeout(() => {
  fs.writeSync(1, `${Date.now() - started}\n`);
  // Not process.exit: its flush would wait on the full pipe (what the exit case checks is a file).
  process.kill(process.pid, "SIGKILL");
}, 0);
for (let i = 0; i < 2000; i++) logger.info({ i, pad: "x".repeat(mode === "fifo" ? 1000 : 10) }, "line");
if (mode === "exit") process.exit(0);
