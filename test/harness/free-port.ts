import net from "node:net";

/**
 * A TCP port free on 127.0.0.1 right now, for a server whose own URL must be configured
 * before it starts (a registered OAuth callback URL).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
