import { Code } from "@connectrpc/connect";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { rest } from "../harness/rest.js";
import { callRpc, type RpcTransport } from "../harness/rpc.js";

/** One request of the load and how it ended. */
export interface Outcome {
  replica: number;
  operation: string;
  startedAt: number;
  endedAt: number;
  /** ok, unavailable (503 with Retry-After / UNAVAILABLE), or what else came back. */
  result: "ok" | "unavailable" | string;
}

/** A steady mixed load over REST and RPC against several replicas, until stopped. */
export interface MixedLoad {
  readonly outcomes: Outcome[];
  stop(): Promise<void>;
}

let counter = 0;
const freshEmail = (tag: string) => `fault-${tag}-${process.pid}-${++counter}@example.com`;

/** REST 503 must carry Retry-After; anything else but success is reported as is. */
function restResult(response: { status: number; headers: Record<string, unknown>; text: string }, expected: number): string {
  if (response.status === expected) return "ok";
  if (response.status === 503 && response.headers["retry-after"] !== undefined) return "unavailable";
  return `http ${response.status} ${response.text.slice(0, 120)}`;
}

const rpcTransportsUnderLoad: RpcTransport[] = ["grpc", "connect-json", "connect-binary", "grpc-web"];

/**
 * The operations: a Hanko sign-up (user and email in one transaction) followed by a passcode for
 * it (passcode and outbox row in one transaction), a JWKS read, and CreateUser over every RPC
 * transport in turn.
 */
async function oneOperation(url: string, step: number): Promise<{ operation: string; result: string }> {
  switch (step % 3) {
    case 0: {
      const email = freshEmail("rest");
      const created = await rest(url, "POST", "/users", { body: { email } });
      const first = restResult(created, 200);
      if (first !== "ok") return { operation: "POST /users", result: first };
      const userId = (created.json as { user_id: string }).user_id;
      const passcode = await rest(url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
      return { operation: "POST /passcode/login/initialize", result: restResult(passcode, 200) };
    }
    case 1: {
      const jwks = await rest(url, "GET", "/.well-known/jwks.json");
      return { operation: "GET /.well-known/jwks.json", result: restResult(jwks, 200) };
    }
    default: {
      const transport = rpcTransportsUnderLoad[Math.floor(step / 3) % rpcTransportsUnderLoad.length]!;
      const created = await callRpc(transport, url, IdentityService, IdentityServiceService, "CreateUser", { email: freshEmail(transport) });
      const operation = `CreateUser over ${transport}`;
      if (created.ok) return { operation, result: "ok" };
      if (created.code === Code.Unavailable) return { operation, result: "unavailable" };
      return { operation, result: `rpc ${Code[created.code]} ${created.message}` };
    }
  }
}

/** Starts `concurrency` loops per replica, each issuing one operation after another. */
export function startMixedLoad(urls: readonly string[], concurrency: number): MixedLoad {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = urls.flatMap((url, replica) =>
    Array.from({ length: concurrency }, async (_, lane) => {
      for (let step = lane; running; step++) {
        const startedAt = Date.now();
        let outcome: { operation: string; result: string };
        try {
          outcome = await oneOperation(url, step);
        } catch (error) {
          // A connection refused or reset by the replica itself: it is down or hanging.
          outcome = { operation: "request", result: `transport failure ${error instanceof Error ? error.message : String(error)}` };
        }
        outcomes.push({ replica, startedAt, endedAt: Date.now(), ...outcome });
        if (outcome.result !== "ok") await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
