import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// ADMIN_HOST binds the management port apart from the main port (which the harness binds to
// 127.0.0.1): on ::1 it answers there and refuses 127.0.0.1, while the main port is unchanged.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ADMIN_HOST: "::1" });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

it("binds the management port to ADMIN_HOST only", async () => {
  expect(server.app.adminUrl).toBe(`http://[::1]:${server.app.adminPort}`);
  const alive = await rest(server.app.adminUrl, "GET", "/health/alive");
  expect(alive.status).toBe(200);
  expect(await connects("127.0.0.1", server.app.adminPort)).toBe(false);
  expect(await connects("127.0.0.1", server.app.port)).toBe(true);
});
