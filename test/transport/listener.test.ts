import http2 from "node:http2";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { createListener } from "../../src/transport/listener.js";
import { createLogger } from "../../src/log.js";

describe("the listener", () => {
  // A client that opens connections and never speaks must not hold them forever.
  it("closes a connection that sends nothing within the first-bytes timeout", async () => {
    const listener = createListener((_request, response) => response.end("ok"), { firstBytesTimeoutMs: 200, logger: createLogger("error") });
    const port = await listener.listen(0, "127.0.0.1");
    try {
      const socket = net.connect(port, "127.0.0.1");
      const started = Date.now();
      await new Promise<void>((resolve) => socket.once("close", () => resolve()));
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await listener.close();
    }
  });

  it("hands an HTTP/1.1 request whose first byte matches the HTTP/2 preface to the HTTP/1.1 server", async () => {
    const listener = createListener((request, response) => response.end(`${request.method} ${request.httpVersion}`), { logger: createLogger("error") });
    const port = await listener.listen(0, "127.0.0.1");
    try {
      const socket = net.connect(port, "127.0.0.1");
      // "POST" shares its first byte with the preface "PRI * HTTP/2.0": sent one byte at a time,
      // the listener must wait, then decide on the second byte.
      for (const byte of "POST /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") {
        socket.write(byte);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (text += chunk));
      await new Promise<void>((resolve) => socket.once("close", () => resolve()));
      expect(text).toMatch(/^HTTP\/1.1 200/);
      expect(text).toContain("POST 1.1");
    } finally {
      await listener.close();
    }
  });

  // A long stream with nothing to say (a health Watch) keeps its session; an idle one goes.
  it("closes an HTTP/2 session after the idle timeout only when it has no open stream", async () => {
    const listener = createListener(
      (request, response) => {
        if (request.url === "/quick") return void response.end("ok");
        // One chunk, then nothing: the stream stays open with nothing more to send.
        response.writeHead(200);
        (response as NodeJS.WritableStream).write("started");
      },
      { idleTimeoutMs: 200, logger: createLogger("error") },
    );
    const port = await listener.listen(0, "127.0.0.1");
    const streaming = http2.connect(`http://127.0.0.1:${port}`);
    const idle = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const stream = streaming.request({ ":path": "/long" });
      const events: string[] = [];
      stream.once("response", () => events.push("response"));
      stream.once("close", () => events.push("stream closed"));
      streaming.once("close", () => events.push("session closed"));
      const quick = idle.request({ ":path": "/quick" });
      quick.resume();
      await new Promise((resolve) => quick.once("close", resolve));
      const idleClosed = new Promise<number>((resolve) => idle.once("close", () => resolve(Date.now())));
      const started = Date.now();
      // Five idle timeouts: the streaming session must answer PINGs and stay.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(events).toEqual(["response"]);
      expect(streaming.closed || streaming.destroyed).toBe(false);
      expect((await idleClosed) - started).toBeLessThan(1_000);
      stream.close();
    } finally {
      streaming.destroy();
      idle.destroy();
      await listener.close(100);
    }
  });
});
