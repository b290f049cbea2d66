import { afterAll, beforeAll } from "vitest";
import { closeGrpcClients } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { accessPoint, apiKey, authenticator } from "../authfi/authfi-client.js";
import { startWithSinks, type Sinks } from "../authenticator/authenticator-client.js";

/**
 * Starts, before the file's tests, the server the WebAuthn abuse tables share (every product
 * on the software authenticator's origin, AuthFi's access point configured, mail and SMS
 * sinks), hands it to `started`, and stops it and the gRPC clients after them.
 */
export function useAbuseServer(started: (running: { server: TestServer; sinks: Sinks }) => void): void {
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const { server, sinks, close } = await startWithSinks({ ORIGIN: authenticator.origin, RP_NAME: "Example RP", AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey });
    stop = close;
    started({ server, sinks });
  });
  afterAll(async () => {
    closeGrpcClients();
    await stop?.();
  });
}
