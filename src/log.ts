import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured logger writing one JSON object per line to stderr. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /**
   * An `info` line whose fields the caller serialized itself: `fieldsJson` is `"key":value`
   * pairs joined by commas, each value valid JSON (the request log's hot path, built from
   * fragments it prepared once per route). The line is the same as `info(message, fields)`'s.
   */
  infoJson(message: string, fieldsJson: string): void;
}

/** Bytes of log lines waiting for a slow stderr; lines beyond are dropped rather than queued. */
const maxBufferedBytes = 4 * 1024 * 1024;

/** Characters of lines gathered before they are handed on in one piece, even within one turn. */
const batchChars = 16 * 1024;

/**
 * The longest a line waits before it is handed on with the others gathered meanwhile. Each hand-on
 * is an asynchronous write through libuv's threadpool, and its completion wakes the event loop:
 * ~50-70 µs of CPU each on a busy 2-core machine. Handed on once per event-loop turn, as lines
 * were, that cost a REST request of the bench 10-20 µs (a turn serves a few requests); once per
 * 10 ms, it is a write per ~100 requests at bench rates.
 */
const batchMs = 10;

/**
 * Writes to file descriptor `fd` asynchronously, so that a slow or full stderr (a pipe nobody
 * reads fast enough) never stalls the event loop: lines wait in a buffer bounded at
 * `maxBufferedBytes` (beyond it they are dropped), and what is buffered is written out
 * synchronously when the process exits (process.exit included), for at most a second when
 * stderr does not take it.
 *
 * The lines of `batchMs` (at most `batchChars`) reach that buffer as one string, in one write:
 * its writer measures the UTF-8 length of its last pending chunk on every write, and each write
 * is a threadpool round trip (see `batchMs`).
 */
export function createLogDestination(fd: number): DestinationStream {
  // A full non-blocking stderr is retried while serving; at exit, for at most a second.
  let giveUpAt = Infinity;
  const destination = pino.destination({ dest: fd, sync: false, maxLength: maxBufferedBytes, retryEAGAIN: () => Date.now() < giveUpAt });
  destination.on("error", () => undefined);
  let batch = "";
  let scheduled = false;
  const handOn = () => {
    scheduled = false;
    if (batch === "") return;
    const lines = batch;
    batch = "";
    destination.write(lines);
  };
  process.once("exit", () => {
    giveUpAt = Date.now() + 1_000;
    try {
      handOn();
      destination.flushSync();
    } catch {
      // Nothing is left to tell: the stream is closed or not open yet.
    }
  });
  return {
    write(line: string) {
      batch += line;
      if (batch.length >= batchChars) handOn();
      else if (!scheduled) {
        scheduled = true;
        // Unref'd: a process with nothing else to do exits, and the 'exit' hook writes the rest.
        setTimeout(handOn, batchMs).unref();
      }
    },
  };
}

/**
 * Creates a `pino` logger that drops lines below `level`; `write` (one JSON line with its
 * newline per call) defaults to stderr through `createLogDestination`. Lines are
 * `{level, time, …bindings, message, …fields}` with `level` a name and `time` ISO 8601;
 * `bindings` (a cluster worker's `pid`) are on every line.
 */
export function createLogger(level: LogLevel, write?: (line: string) => void, bindings?: Record<string, string | number>): Logger {
  const destination: DestinationStream = write === undefined ? createLogDestination(2) : { write };
  const logger: PinoLogger = pino(
    {
      level,
      // Serialized once by pino, not per line.
      base: bindings,
      messageKey: "message",
      timestamp: () => `,"time":"${isoNow()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const emit = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(at)) return;
    // The message first, as `{level, time, message, …fields}` reads best (and fields may not replace it).
    logger[at](fields === undefined ? { message } : { message, ...serialize(fields) });
  };
  // What pino writes between the time and the message: the bindings, serialized once.
  const base = bindings === undefined || Object.keys(bindings).length === 0 ? "" : `,${JSON.stringify(bindings).slice(1, -1)}`;
  const infoEnabled = logger.isLevelEnabled("info");
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    infoJson(message, fieldsJson) {
      if (!infoEnabled) return;
      // Into pino's destination, in order with its own lines.
      destination.write(`{"level":"info","time":"${isoNow()}"${base},"message":${JSON.stringify(message)},${fieldsJson}}\n`);
    },
  };
}

let isoMs = NaN;
let isoText = "";

/** `new Date().toISOString()`, formatted once per millisecond however many lines share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** Errors under any key as `{name, message, stack, cause}` (pino serializes only `err`). */
function serialize(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (!(value instanceof Error)) continue;
    out ??= { ...fields };
    out[key] = { name: value.name, message: value.message, stack: value.stack, cause: value.cause instanceof Error ? value.cause.message : undefined };
  }
  const result = out ?? fields;
  if ("message" in result) {
    const { message: _ignored, ...rest } = result;
    return rest;
  }
  return result;
}
