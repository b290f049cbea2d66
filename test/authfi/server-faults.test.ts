import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userIdOfHandle } from "../../src/core/webauthn/webauthn-encoding.js";
import type { TestServer } from "../harness/server.js";
import { authenticator, authfi, loginChallenge, newName, registerKey, startAuthfiServer } from "./authfi-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  await server?.close();
});

describe("AuthFi server faults", () => {
  it("answers stored data that contradicts itself with 500 code 7000, a generic message, and logs it", async () => {
    const key = await registerKey(server, newName("orphan"));
    // The key stays while its AuthFi user record is gone: data no client can produce.
    await server.app.database.db.deleteFrom("authfi_users").where("user_id", "=", userIdOfHandle(key.userId)!).execute();
    const answer = await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(key.credential, await loginChallenge(server), { withUserHandle: true }) });
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ code: 7000, message: "Internal Server Error" });
    expect(server.logs.some((line) => line.includes("server fault") && line.includes("AUTHFI_DATA_INCONSISTENT"))).toBe(true);
  });
});
