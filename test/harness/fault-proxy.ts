import net from "node:net";

/** How the proxy treats traffic right now. */
export type ProxyMode = "pass" | "refuse" | "stall" | "down";

/**
 * A TCP proxy on 127.0.0.1 between a client (Tessera) and a server (PostgreSQL, SMTP) that can
 * break the path the ways a network does: cut every open connection, refuse new ones, stall
 * (accept and forward nothing, in either direction), or delay every chunk.
 */
export interface FaultProxy {
  readonly port: number;
  /** Destroys every open connection (both sides see a reset). */
  cut(): void;
  /**
   * pass: forward; refuse: new connections are accepted and closed at once; down: nothing
   * listens (connection refused); stall: nothing moves until the mode changes.
   */
  setMode(mode: ProxyMode): void;
  /** Extra latency per forwarded chunk, in milliseconds. */
  setDelay(ms: number): void;
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

/** Starts a proxy to `target` on a free port. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: ProxyMode = "pass";
  let delayMs = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const stalled = new Set<() => void>();

  const forward = (from: net.Socket, to: net.Socket) => {
    from.on("data", (chunk: Buffer) => {
      const write = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (mode === "stall") {
        from.pause();
        stalled.add(() => {
          from.resume();
          write();
        });
      } else if (delayMs > 0) {
        from.pause();
        setTimeout(() => {
          write();
          from.resume();
        }, delayMs);
      } else write();
    });
  };

  const server = net.createServer((client) => {
    if (mode === "refuse") {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const cut = () => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
  };
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cut,
    setMode(next) {
      if (next === "down" && mode !== "down") server.close();
      if (next !== "down" && mode === "down") server.listen(port, "127.0.0.1");
      mode = next;
      if (next !== "stall") {
        const waiting = [...stalled];
        stalled.clear();
        for (const resume of waiting) resume();
      }
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get open() {
      return pairs.size;
    },
    close() {
      cut();
      if (mode === "down") return Promise.resolve();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
