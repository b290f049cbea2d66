import net from "node:net";
import { StartupError } from "../core/errors/startup-error.js";

/**
 * Binds `port` for a moment and lets it go, so that a port in use is reported (naming PORT)
 * before start-up does any key or database work; throws a StartupError when it cannot bind.
 */
export function ensurePortFree(port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "EADDRINUSE" ? "is in use" : error.code === "EACCES" ? "needs privileges this process lacks" : `cannot be bound (${error.code ?? error.message})`;
      reject(new StartupError("PORT", `PORT ${port} ${why}${host === undefined ? "" : ` on ${host}`}`, { cause: error }));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
