import type { Readable } from "node:stream";

/** One record of an import file: the line it starts on, and its JSON text or why it cannot be read. */
export type RawRecord = { line: number; text: string } | { line: number; error: string };

/** A record longer than this is refused unread: no user is that large, and memory stays bounded. */
export const maxRecordBytes = 1 << 20;

/**
 * The records of an import file, read as it streams in (constant memory whatever its size):
 * JSON Lines (one JSON value a line, blank lines skipped), or one top-level JSON array whose
 * elements are the records. Which of the two is decided by the first character that is not white
 * space. In JSON Lines a broken line is refused and the next is read; in an array a broken element
 * ends the array (where the next element begins cannot be known).
 */
export async function* readRecords(input: Readable): AsyncGenerator<RawRecord> {
  const chunks = input.setEncoding("utf8") as AsyncIterable<string>;
  const scanner = createScanner();
  for await (const chunk of chunks) yield* scanner.push(chunk);
  yield* scanner.end();
}

type Mode = "undecided" | "lines" | "array" | "done";

function createScanner() {
  let mode: Mode = "undecided";
  let line = 1;
  // JSON Lines: the current line's text. Array: the current element's text.
  let current = "";
  // UTF-8 bytes of `current`: the cap counts bytes, not UTF-16 units.
  let currentBytes = 0;
  let currentLine = 1;
  let oversize = false;
  // Array state.
  let depth = 0;
  const openers: string[] = [];
  let inString = false;
  let escaped = false;
  let expectValue = true;
  let closed = false;

  function* lineText(text: string): Generator<RawRecord> {
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      const piece = text.slice(start, newline === -1 ? text.length : newline);
      const pieceBytes = oversize ? 0 : Buffer.byteLength(piece);
      if (!oversize && currentBytes + pieceBytes <= maxRecordBytes) {
        current += piece;
        currentBytes += pieceBytes;
      } else oversize = true;
      if (newline === -1) return;
      yield* endLine();
      line += 1;
      currentLine = line;
      start = newline + 1;
    }
  }

  function* endLine(): Generator<RawRecord> {
    if (oversize) yield { line: currentLine, error: `the line is longer than ${maxRecordBytes} bytes` };
    else if (current.trim() !== "") yield { line: currentLine, text: current };
    current = "";
    currentBytes = 0;
    oversize = false;
  }

  function* arrayChar(char: string): Generator<RawRecord> {
    if (char === "\n") line += 1;
    if (closed) {
      if (!/\s/.test(char)) {
        mode = "done";
        yield { line, error: "text after the end of the top-level array" };
      }
      return;
    }
    if (depth === 0 && !inString) {
      // Between elements.
      if (/\s/.test(char)) return;
      if (char === "]") {
        if (current !== "") yield* endElement();
        closed = true;
        return;
      }
      if (char === ",") {
        if (current === "" && expectValue) return broken("an empty element in the array");
        if (current !== "") yield* endElement();
        expectValue = true;
        return;
      }
      if (current !== "" && !expectValue) return broken("a missing comma between elements");
      if (current === "") currentLine = line;
      expectValue = false;
    }
    const charBytes = utf8Length(char);
    if (!oversize && currentBytes + charBytes <= maxRecordBytes) {
      current += char;
      currentBytes += charBytes;
    } else oversize = true;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
      return;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      openers.push(char);
      depth += 1;
    } else if (char === "}" || char === "]") {
      if (openers.pop() !== (char === "}" ? "{" : "[")) return broken(`a "${char}" that closes nothing open`);
      depth -= 1;
    }
  }

  function* endElement(): Generator<RawRecord> {
    if (oversize) yield { line: currentLine, error: `the record is longer than ${maxRecordBytes} bytes` };
    else yield { line: currentLine, text: current.trim() };
    current = "";
    currentBytes = 0;
    oversize = false;
  }

  function* brokenGenerator(reason: string): Generator<RawRecord> {
    mode = "done";
    yield { line, error: `the JSON array is broken here (${reason}); the rest of the file is not read` };
  }
  let pendingBroken: string | undefined;
  function broken(reason: string): undefined {
    pendingBroken = reason;
    return undefined;
  }

  return {
    *push(chunk: string): Generator<RawRecord> {
      let index = 0;
      for (const char of chunk) {
        index += char.length;
        if (mode === "done") return;
        if (mode === "undecided") {
          if (/\s/.test(char)) {
            if (char === "\n") line += 1;
            continue;
          }
          mode = char === "[" ? "array" : "lines";
          currentLine = line;
          if (mode === "array") continue;
        }
        if (mode === "lines") {
          yield* lineText(chunk.slice(index - char.length));
          return;
        } else {
          yield* arrayChar(char);
          if (pendingBroken !== undefined) {
            const reason = pendingBroken;
            pendingBroken = undefined;
            yield* brokenGenerator(reason);
          }
        }
      }
    },
    *end(): Generator<RawRecord> {
      if (mode === "lines") yield* endLine();
      else if (mode === "array" && !closed) yield { line, error: "the file ends inside the top-level array" };
    },
  };
}

/** The UTF-8 length of one code point (as `for...of` over a string yields them). */
function utf8Length(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}
