/** Messages between bench/run.ts and the server children it forks, over the IPC channel. */

/** The REST path of SessionService/GetJwks, served by Tessera and the baseline. */
export const jwksPath = "/.well-known/jwks.json";

/** Parent → child. */
export type ParentMessage =
  /** Start serving; the baseline serves `body` (base64) with `contentType`, Tessera ignores both. */
  | { type: "start"; body: string; contentType: string }
  /** Report the child's CPU time so far. */
  | { type: "cpu"; id: number };

/** Child → parent. */
export type ChildMessage =
  | { type: "listening"; port: number }
  | { type: "failed"; message: string }
  /** CPU time (user + system) in microseconds since the child started. */
  | { type: "cpu"; id: number; micros: number };
