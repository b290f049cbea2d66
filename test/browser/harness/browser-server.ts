import { freePorts } from "../../harness/free-port.js";
import { startTestServer, type TestServer } from "../../harness/server.js";

/** A test Tessera whose own origin (http://localhost:<port>) is its WebAuthn origin, as after `npm start`. */
export interface BrowserServer extends TestServer {
  /** `http://localhost:<port>`: what the page loads, and the ORIGIN the server checks. */
  origin: string;
}

/**
 * Starts a test server on a port chosen beforehand, so that ORIGIN can name it: a page on
 * http://localhost:<port> is a secure context, and the RP ID `localhost` is its host.
 */
export async function startBrowserServer(env: Record<string, string> = {}): Promise<BrowserServer> {
  let lastError: unknown;
  // Another process may take the probed port before the server binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port] = await freePorts(1);
    const origin = `http://localhost:${port}`;
    try {
      const server = await startTestServer({ PORT: String(port), ORIGIN: origin, RP_NAME: "Tessera demo", ...env });
      return Object.assign(server, { origin: env.ORIGIN?.split(",")[0] ?? origin });
    } catch (error) {
      lastError = error;
      if (!/in use|EADDRINUSE/i.test(String(error))) throw error;
    }
  }
  throw lastError;
}
