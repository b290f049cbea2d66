// The Authentiq section of bench/run.ts: POST /key/{PK} (Authentiq's key update) with a JWT
// self-signed by that key. Tessera verifies the EdDSA signature against the key in `sub`,
// checks the key is registered and live, and updates its device token; the baseline
// (bench/authentiq-baseline.ts) only verifies the signature the same way, with no database.
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { Http1Client } from "./http1.js";
import type { Call } from "./load.js";

/** One registered key and the update JWT each request sends for it. */
export interface AuthentiqKey {
  pk: string;
  /** `JWT(sub: pk, devtoken)` self-signed by the key. */
  update: string;
}

/** The answer both servers give to an update. */
export const authentiqUpdateAnswer = JSON.stringify({ status: "confirmed" });

const jwtHeaders = { "Content-Type": "application/jwt" };

/** Registers `count` keys with Tessera (`POST /key`), one per request in flight. */
export async function registerAuthentiqKeys(port: number, count: number, timeoutMs: number): Promise<AuthentiqKey[]> {
  const client = new Http1Client(port, timeoutMs);
  try {
    const keys: AuthentiqKey[] = [];
    for (let i = 0; i < count; i++) {
      const { publicKey, privateKey } = generateKeyPairSync("ed25519");
      const pk = publicKey.export({ format: "jwk" }).x!;
      const sign = (claims: Record<string, unknown>) => new SignJWT({ sub: pk, ...claims }).setProtectedHeader({ alg: "EdDSA" }).sign(privateKey);
      const registered = await client.request("POST", "/key", jwtHeaders, Buffer.from(await sign({ devtoken: `bench-device-${i}` })));
      if (registered.status !== 201) throw new Error(`POST /key: HTTP ${registered.status} ${registered.body.toString("utf8").slice(0, 200)}`);
      keys.push({ pk, update: await sign({ devtoken: `bench-device-${i}-updated` }) });
    }
    return keys;
  } finally {
    client.close();
  }
}

/** One update, checked: 200 and exactly `{"status":"confirmed"}`. */
export async function updateKey(client: Http1Client, key: AuthentiqKey): Promise<void> {
  const response = await client.request("POST", `/key/${key.pk}`, jwtHeaders, Buffer.from(key.update));
  const body = response.body.toString("utf8");
  if (response.status !== 200 || body !== authentiqUpdateAnswer) throw new Error(`POST /key/{PK}: HTTP ${response.status} ${body.slice(0, 200)}`);
}

/**
 * A load client for `port`: one connection and one key per request in flight, so that no two
 * requests update the same row at once (that would measure row locks, not the API).
 */
export function authentiqUpdateLoad(port: number, keys: AuthentiqKey[], timeoutMs: number): { call: Call; close(): void } {
  const slots = keys.map((key) => ({ key, client: new Http1Client(port, timeoutMs) }));
  const idle = [...slots];
  return {
    async call() {
      const slot = idle.pop();
      if (slot === undefined) throw new Error("no idle key (more requests in flight than keys)");
      try {
        await updateKey(slot.client, slot.key);
      } finally {
        idle.push(slot);
      }
    },
    close() {
      for (const slot of slots) slot.client.close();
    },
  };
}
