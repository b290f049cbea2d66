import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createAccessPoint } from "../authfi/authfi-client.js";
import { authenticator, exportText, importText, origin, softwareCredential, type ImportResult } from "./transfer-harness.js";

// AuthFi users with their keys, per access point: ids that are not UUIDs (mapped, the keys keeping
// the old user handle), the same name in two access points, a suspended user, keys in base64;
// then bad records. The users log in over AuthFi's REST API and every RPC transport.

let server: TestServer;
const shop = `shop${randomBytes(5).toString("hex")}`;
const shopKey = randomBytes(24).toString("base64url");
let other: { slug: string; apiKey: string };
const alanSource = `user-${randomUUID()}`;
const alanKeys = [softwareCredential(Buffer.from(alanSource)), softwareCredential(Buffer.from(alanSource))];
const bob = randomUUID();
const bobKey = softwareCredential(Buffer.from(bob.replaceAll("-", ""), "hex"));
const otherAlan = `other-${randomUUID()}`;
const otherAlanKey = softwareCredential(Buffer.from(otherAlan));
let result: ImportResult;

const key = (made: ReturnType<typeof softwareCredential>, signCount: number, extra: Record<string, unknown> = {}) => ({
  credential_id: made.id,
  public_key: made.publicKey,
  sign_count: signCount,
  transports: ["internal", "hybrid"],
  aaguid: null,
  backup_eligible: true,
  backed_up: true,
  name: "phone",
  created_at: "2024-03-04T05:06:07Z",
  last_used_at: "2024-06-01T00:00:00Z",
  ...extra,
});

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example", AUTHFI_ACCESS_POINT: shop, AUTHFI_API_KEY: shopKey });
  other = await createAccessPoint(server, { slug: `other${randomBytes(5).toString("hex")}` });
  const users = [
    {
      access_point: shop,
      id: alanSource,
      name: "alan",
      display_name: "Alan T.",
      state: "activate",
      keys: [key(alanKeys[0]!, 3), key(alanKeys[1]!, 0, { credential_id: alanKeys[1]!.credential.id.toString("base64"), name: "laptop", created_at: "2024-03-05T00:00:00Z" })],
      created_at: "2024-03-04T05:00:00Z",
      updated_at: "2024-03-06T00:00:00Z",
    },
    { access_point: shop, id: bob, name: "bob", state: "suspend", keys: [key(bobKey, 1)] },
    { access_point: other.slug, id: otherAlan, name: "alan", keys: [key(otherAlanKey, 0)] },
    { access_point: `nowhere${randomBytes(4).toString("hex")}`, id: randomUUID(), name: "carol" },
    { access_point: shop, id: randomUUID(), name: "x".repeat(257) },
    { access_point: shop, id: randomUUID(), name: "dave", state: "banned" },
    { access_point: shop, id: randomUUID(), name: "erin", keys: Array.from({ length: 11 }, () => key(softwareCredential(), 0)) },
    { access_point: shop, id: randomUUID(), name: "frank", keys: [{ ...key(softwareCredential(), 0), sign_count: -1 }] },
    { access_point: shop, id: randomUUID(), name: "alan" },
  ];
  // A JSON array, one user a line so that line numbers are the users'.
  result = await importText(server, "authfi", `[${users.map((user) => JSON.stringify(user)).join(",\n")}]`);
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

const authfi = (method: string, path: string, body?: unknown, ap = shop, apiKey = shopKey) => rest(server.url, method, `/${ap}/api/v1${path}`, { ...(body === undefined ? {} : { body }), headers: { "AT-X-KEY": apiKey } });

/** AuthFi's user id: the 16 bytes of Tessera's, base64url. */
const authfiId = (id: string | undefined) => Buffer.from((id ?? "").replaceAll("-", ""), "hex").toString("base64url");

async function loginChallenge(ap = shop, apiKey = shopKey): Promise<string> {
  const begin = await authfi("POST", "/webauthn/login", { params: { userVerification: "required" } }, ap, apiKey);
  expect(begin.json).toMatchObject({ code: 0 });
  return (begin.json as { fido_login_request: { challenge: string } }).fido_login_request.challenge;
}

describe("importing AuthFi users", () => {
  it("imports the good users and refuses each bad record with its line and reason", () => {
    expect(result.summary).toEqual({ imported: 3, unchanged: 0, refused: 6 });
    // In line order, although access points and the database are asked only when a batch is stored.
    expect(result.refused).toEqual([
      { line: 4, reason: expect.stringMatching(/^no access point "nowhere[0-9a-f]+" \(create it first: npm run tessera -- rp create nowhere/) },
      { line: 5, reason: "name is longer than 256 characters" },
      { line: 6, reason: 'state must be "activate" or "suspend"' },
      { line: 7, reason: "more than 10 keys" },
      { line: 8, reason: "keys[0].sign_count must be an integer from 0 to 4294967295" },
      { line: 9, reason: "the AuthFi name belongs to another user of the access point" },
    ]);
    expect([...result.mapped.keys()].sort()).toEqual([alanSource, otherAlan].sort());
  });

  it("keeps names, states, keys with their old user handles, and times", async () => {
    const lines = (await exportText(server)).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.id === result.mapped.get(alanSource))).toMatchObject({
      tenant: shop,
      products: ["authfi"],
      createdAt: "2024-03-04T05:00:00.000Z",
      updatedAt: "2024-03-06T00:00:00.000Z",
      authfi: { name: "alan", displayName: "Alan T.", state: "activate" },
      webauthn: [
        { credentialId: alanKeys[0]!.id, signCount: 3, userHandle: Buffer.from(alanSource).toString("base64url"), transports: ["internal", "hybrid"], backedUp: true, product: "authfi", lastUsedAt: "2024-06-01T00:00:00.000Z" },
        { credentialId: alanKeys[1]!.id, name: "laptop" },
      ],
    });
    expect(lines.find((line) => line.id === bob)).toMatchObject({ authfi: { name: "bob", displayName: "bob", state: "suspend" } });
    expect(lines.find((line) => line.id === result.mapped.get(otherAlan))).toMatchObject({ tenant: other.slug, authfi: { name: "alan" } });
  });

  it("changes nothing on a second run", async () => {
    const again = await importText(server, "authfi", JSON.stringify({ access_point: shop, id: alanSource, name: "alan" }));
    expect(again.summary).toEqual({ imported: 0, unchanged: 1, refused: 0 });
    expect(again.mapped.get(alanSource)).toBe(result.mapped.get(alanSource));
  });

  it("lists the imported users in their access point only", async () => {
    const listed = await authfi("GET", "/users?page=1&size=100");
    expect(listed.json).toMatchObject({ code: 0 });
    const names = (listed.json as { users: { name: string }[] }).users.map((user) => user.name).sort();
    expect(names).toEqual(["alan", "bob"]);
  });

  it("logs alan in over REST with an old key under the old user handle, the counter going on from the imported one", async () => {
    const cloned = await authfi("PUT", "/webauthn/login", { fido_login_response: authenticator.get(alanKeys[0]!.credential, await loginChallenge(), { counter: 3, withUserHandle: true }) });
    expect(cloned).toMatchObject({ status: 401, json: { code: 3900 } });
    const login = await authfi("PUT", "/webauthn/login", { fido_login_response: authenticator.get(alanKeys[0]!.credential, await loginChallenge(), { counter: 4, withUserHandle: true }) });
    expect(login).toMatchObject({ status: 200, json: { code: 0, user: { id: authfiId(result.mapped.get(alanSource)), name: "alan" }, key_info: { counter: 4 } } });
  });

  it("logs the other access point's alan in there, and not in the shop", async () => {
    expect(await authfi("PUT", "/webauthn/login", { fido_login_response: authenticator.get(otherAlanKey.credential, await loginChallenge(), { withUserHandle: true }) })).toMatchObject({ status: 404 });
    const login = await authfi("PUT", "/webauthn/login", { fido_login_response: authenticator.get(otherAlanKey.credential, await loginChallenge(other.slug, other.apiKey), { withUserHandle: true }) }, other.slug, other.apiKey);
    expect(login).toMatchObject({ status: 200, json: { code: 0, user: { name: "alan" } } });
  });

  it("keeps the suspended user suspended (2000)", async () => {
    expect(await authfi("POST", "/webauthn/verification", { uId: "bob", params: {} })).toMatchObject({ status: 403, json: { code: 2000 } });
  });
});

describe.each(rpcTransports)("an imported AuthFi user over %s", (transport) => {
  it("logs in with the second old key", async () => {
    const call = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, WebAuthnService, WebAuthnServiceService, method, { accessPoint: shop, ...input }, { "at-x-key": shopKey });
    const begun = await call("authfiBeginLogin", { params: { userVerification: "required" } });
    if (!begun.ok) throw new Error(begun.message);
    const signed = authenticator.get(alanKeys[1]!.credential, (begun.output.fido_login_request as { challenge: string }).challenge, { withUserHandle: true });
    const response = { id: signed.id, rawId: signed.rawId, type: signed.type, response: { clientDataJson: signed.response.clientDataJSON, authenticatorData: signed.response.authenticatorData, signature: signed.response.signature, userHandle: signed.response.userHandle } };
    expect(await call("authfiFinishLogin", { fidoLoginResponse: response })).toMatchObject({ ok: true, output: { code: 0, user: { name: "alan" } } });
  });
});
