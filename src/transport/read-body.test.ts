import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readBody, type BodyLimit } from "./read-body.js";

/** A request body the test writes into, as Node's request streams emit it. */
function body(): PassThrough & IncomingMessage {
  return new PassThrough() as PassThrough & IncomingMessage;
}

function limit(extra: Partial<BodyLimit<string>> = {}): BodyLimit<string> {
  return { maxBytes: 8, tooLarge: () => "too large", failed: (why) => `failed: ${why}`, ...extra };
}

describe("readBody", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads a body within the limit", async () => {
    const request = body();
    const read = readBody(request, limit());
    request.write("abc");
    request.end("def");
    expect((await read).toString()).toBe("abcdef");
  });

  it("refuses a declared length over the limit before reading, and answers a declared empty body at once", async () => {
    await expect(readBody(body(), limit({ declaredBytes: 9 }))).rejects.toBe("too large");
    expect((await readBody(body(), limit({ declaredBytes: 0 }))).length).toBe(0);
  });

  it("refuses as soon as the received bytes pass the limit, and pauses the stream", async () => {
    const request = body();
    const read = readBody(request, limit());
    request.write("123456789");
    await expect(read).rejects.toBe("too large");
    expect(request.isPaused()).toBe(true);
  });

  it("lets the head refuse a body before its limit is reached", async () => {
    const request = body();
    const read = readBody(request, limit({ peekBytes: 2, peek: (head) => (head[0] === 0x78 ? "refused by its head" : undefined) }));
    request.write("xy");
    await expect(read).rejects.toBe("refused by its head");
  });

  it("gives a client that sends too slowly the timeout failure", async () => {
    vi.useFakeTimers();
    const request = body();
    const read = readBody(request, limit({ timeoutMs: 1000 }));
    request.write("ab");
    vi.advanceTimersByTime(1000);
    await expect(read).rejects.toBe("failed: timeout");
  });

  it("names an aborted or broken body", async () => {
    const aborted = body();
    const first = readBody(aborted, limit());
    aborted.emit("aborted");
    await expect(first).rejects.toBe("failed: aborted");
    const broken = body();
    const second = readBody(broken, limit());
    broken.emit("error", new Error("reset"));
    await expect(second).rejects.toBe("failed: unreadable");
  });
});
