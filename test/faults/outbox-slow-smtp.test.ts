import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { enqueueMessage } from "../../src/store/outbox/outbox.store.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { startTestServer, type TestServer } from "../harness/server.js";

/**
 * An SMTP server that answers every command, but each after `delayMs` (under the sender's 5 s
 * socket timeout): a slow, not a dead, server. Counts the messages it accepted.
 */
async function startSlowSmtp(delayMs: number): Promise<{ port: number; accepted: string[]; close(): Promise<void> }> {
  const accepted: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffer = "";
    let inData = false;
    let message = "";
    const reply = (text: string) => setTimeout(() => !socket.destroyed && socket.write(`${text}\r\n`), delayMs);
    socket.write("220 slow ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      let at: number;
      while ((at = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            accepted.push(message);
            reply("250 queued");
          } else message += `${line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 slow");
        else if (verb === "DATA") {
          inData = true;
          message = "";
          reply("354 go on");
        } else if (verb === "QUIT") {
          reply("221 bye");
          setTimeout(() => socket.end(), delayMs + 10);
        } else reply("250 ok");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let smtp: Awaited<ReturnType<typeof startSlowSmtp>>;
let server: TestServer;
beforeAll(async () => {
  smtp = await startSlowSmtp(1_000);
  // Scaled like the shipped values: the outbox gives up on a send (15 s shipped) before a slow
  // server that answers within the sender's per-step timeout (5 s) has taken the whole message.
  server = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}` }, { outbox: { pollMs: 100, baseDelaySeconds: 0.5, maxDelaySeconds: 1, sendTimeoutMs: 3_000 } });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

// Issue 13: "No duplicate from our own bookkeeping". A send the outbox abandoned at its timeout
// keeps going (nothing closes its SMTP connection); the server takes the message, and the
// retry sends it again.
it("sends a message to a slow SMTP server once", async () => {
  await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient: "slow@example.com", subject: "Code", body: "code 123456" }));
  server.app.outbox.nudge();
  await expect.poll(() => smtp.accepted.length, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  expect(smtp.accepted.length).toBe(1);
}, 40_000);
