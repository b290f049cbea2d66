import { Code } from "@connectrpc/connect";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let server: TestServer;
let counter = 0;
const freshEmail = () => `person${++counter}-${Date.now()}@example.com`;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

describe("Hanko first slice over REST", () => {
  it("GET / serves the status page as text/html", async () => {
    const response = await rest(server.url, "GET", "/");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(response.text).toContain("The API is running");
  });

  it("GET /.well-known/jwks.json publishes the RS256 public key that verifies session tokens, without private members", async () => {
    const response = await rest(server.url, "GET", "/.well-known/jwks.json");
    expect(response.status).toBe(200);
    const jwks = response.json as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(Object.keys(key!).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    const signing = await server.app.keys.signingKey("RS256");
    const token = await new SignJWT({ sub: "user" }).setProtectedHeader({ alg: "RS256", kid: signing.kid }).sign(signing.privateKey);
    const verified = await jwtVerify(token, createLocalJWKSet(jwks as never));
    expect(verified.payload.sub).toBe("user");
  });

  it("GET /.well-known/config reflects the HANKO_* defaults", async () => {
    const response = await rest(server.url, "GET", "/.well-known/config");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      emails: { require_verification: true },
      password: { enabled: false, min_password_length: 8 },
      account: { allow_deletion: false, allow_signup: true },
    });
  });

  it("POST /users creates a user and POST /user finds it", async () => {
    const email = freshEmail();
    const created = await rest(server.url, "POST", "/users", { body: { email } });
    expect(created.status).toBe(200);
    const { user_id, email_id } = created.json as { user_id: string; email_id: string };
    expect(user_id).toMatch(uuid);
    expect(email_id).toMatch(uuid);
    const found = await rest(server.url, "POST", "/user", { body: { email: email.toUpperCase() } });
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ id: user_id, email_id, verified: false, has_webauthn_credential: false });
  });

  it("POST /users answers 409 for an address already taken, whatever its case", async () => {
    const email = freshEmail();
    expect((await rest(server.url, "POST", "/users", { body: { email } })).status).toBe(200);
    const again = await rest(server.url, "POST", "/users", { body: { email: ` ${email.toUpperCase()} ` } });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ code: 409, message: "the email address is already in use" });
  });

  it("POST /users answers 400 for a missing or invalid email", async () => {
    for (const body of [{}, { email: "" }, { email: "not-an-email" }, { email: "a@b" }, { email: `${"x".repeat(250)}@example.com` }]) {
      const response = await rest(server.url, "POST", "/users", { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json).toMatchObject({ code: 400 });
    }
  });

  it("POST /user answers 404 for an unknown address and 400 for an invalid one", async () => {
    expect(await rest(server.url, "POST", "/user", { body: { email: freshEmail() } })).toMatchObject({ status: 404, json: { code: 404 } });
    expect(await rest(server.url, "POST", "/user", { body: { email: "nope" } })).toMatchObject({ status: 400, json: { code: 400 } });
  });

  it("POST /user reports a WebAuthn credential once the user has one", async () => {
    const email = freshEmail();
    const { user_id } = (await rest(server.url, "POST", "/users", { body: { email } })).json as { user_id: string };
    const user = await server.app.database.db.selectFrom("users").select("tenant_id").where("id", "=", user_id).executeTakeFirstOrThrow();
    await server.app.database.db
      .insertInto("webauthn_credentials")
      .values({ tenant_id: user.tenant_id, user_id, product: "hanko", credential_id: Buffer.from("cred"), public_key: Buffer.from("key"), sign_count: 0, transports: [], aaguid: null, backed_up: false, name: null, last_used_at: null })
      .execute();
    const found = await rest(server.url, "POST", "/user", { body: { email } });
    expect(found.json).toMatchObject({ id: user_id, has_webauthn_credential: true });
  });

  it("a failed sign-up leaves no user behind", async () => {
    const email = freshEmail();
    await rest(server.url, "POST", "/users", { body: { email } });
    const before = await server.app.database.db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect((await rest(server.url, "POST", "/users", { body: { email } })).status).toBe(409);
    const after = await server.app.database.db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe.each(rpcTransports)("Hanko first slice over %s", (transport) => {
  const session = (method: string, input: Record<string, unknown> = {}) => callRpc(transport, server.url, SessionService, SessionServiceService, method, input);
  const identity = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, IdentityService, IdentityServiceService, method, input);

  it("GetStatus returns the status page", async () => {
    const result = await session("getStatus");
    expect(result.ok && result.output.html).toContain("The API is running");
  });

  it("GetJwks returns the same keys as REST", async () => {
    const result = await session("getJwks");
    const restJwks = (await rest(server.url, "GET", "/.well-known/jwks.json")).json;
    expect(result).toEqual({ ok: true, output: restJwks });
  });

  it("GetConfig returns the same configuration as REST", async () => {
    const result = await session("getConfig");
    expect(result).toEqual({ ok: true, output: (await rest(server.url, "GET", "/.well-known/config")).json });
  });

  it("CreateUser then FindUserByEmail", async () => {
    const email = freshEmail();
    const created = await identity("createUser", { email });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.output.user_id).toMatch(uuid);
    const found = await identity("findUserByEmail", { email });
    expect(found).toEqual({ ok: true, output: { id: created.output.user_id, email_id: created.output.email_id, verified: false, has_webauthn_credential: false } });
  });

  it("CreateUser refuses a taken address with AlreadyExists / EMAIL_TAKEN", async () => {
    const email = freshEmail();
    await identity("createUser", { email });
    expect(await identity("createUser", { email })).toMatchObject({ ok: false, code: Code.AlreadyExists, reason: "EMAIL_TAKEN" });
  });

  it("CreateUser refuses an invalid address with InvalidArgument / INVALID_EMAIL", async () => {
    expect(await identity("createUser", { email: "invalid" })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_EMAIL" });
    expect(await identity("createUser", {})).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_EMAIL" });
  });

  it("FindUserByEmail refuses an unknown address with NotFound / USER_NOT_FOUND", async () => {
    expect(await identity("findUserByEmail", { email: freshEmail() })).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER_NOT_FOUND" });
  });
});

describe("with HANKO_* flags set", () => {
  let flagged: TestServer;
  beforeAll(async () => {
    flagged = await startTestServer({
      HANKO_ALLOW_SIGNUP: "false",
      HANKO_PASSWORDS_ENABLED: "true",
      HANKO_PASSWORD_MIN_LENGTH: "12",
      HANKO_ALLOW_DELETION: "true",
      HANKO_REQUIRE_EMAIL_VERIFICATION: "false",
    });
  });
  afterAll(async () => {
    await flagged?.close();
  });

  it("GET /.well-known/config reflects them", async () => {
    expect((await rest(flagged.url, "GET", "/.well-known/config")).json).toEqual({
      emails: { require_verification: false },
      password: { enabled: true, min_password_length: 12 },
      account: { allow_deletion: true, allow_signup: false },
    });
  });

  it("POST /users answers 403 when sign-up is off, over REST and RPC", async () => {
    expect(await rest(flagged.url, "POST", "/users", { body: { email: freshEmail() } })).toMatchObject({ status: 403, json: { code: 403 } });
    for (const transport of rpcTransports) {
      const result = await callRpc(transport, flagged.url, IdentityService, IdentityServiceService, "createUser", { email: freshEmail() });
      expect(result).toMatchObject({ ok: false, code: Code.PermissionDenied, reason: "SIGNUP_DISABLED" });
    }
    closeGrpcClients();
  });
});

describe("when the database is unreachable", () => {
  it("GET / answers 500 and GetStatus Unavailable", async () => {
    const broken = await startTestServer();
    try {
      await broken.app.database.close();
      const response = await rest(broken.url, "GET", "/");
      expect(response.status).toBe(500);
      expect(response.json).toEqual({ code: 500, message: "Internal Server Error" });
      const result = await callRpc("connect-json", broken.url, SessionService, SessionServiceService, "getStatus", {});
      expect(result).toMatchObject({ ok: false, code: Code.Unavailable, reason: "DATABASE_UNAVAILABLE" });
    } finally {
      await broken.close();
    }
  });
});
