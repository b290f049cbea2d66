import http2 from "node:http2";

/** The 5-byte envelope of an empty message: the request of GetJwks and GetCurrentUser. */
export const emptyEnvelope = Buffer.alloc(5);

/**
 * One unary gRPC call with an empty request over its own HTTP/2 connection (not measured):
 * the answer's body (the response envelope), checked for grpc-status 0.
 */
export async function grpcFrameOnce(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Buffer> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      session.once("error", reject);
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      stream.on("response", (received) => (status ??= received["grpc-status"] as string | undefined));
      stream.on("trailers", (received) => (status = received["grpc-status"] as string | undefined));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.setTimeout(timeoutMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on("close", () => {
        if (status !== "0") reject(new Error(`gRPC ${path} on port ${port}: grpc-status ${status ?? "missing"}`));
        else resolve(Buffer.concat(chunks));
      });
      stream.end(emptyEnvelope);
    });
  } finally {
    session.close();
  }
}
