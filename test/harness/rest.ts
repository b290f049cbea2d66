import http from "node:http";

/** A REST answer: status, headers, raw body and the body parsed as JSON when it is JSON. */
export interface RestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** Options of a REST call. */
export interface RestOptions {
  body?: unknown;
  /** Sent as is (a string or bytes) instead of JSON. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

/** Calls the server over plain HTTP/1.1, as a REST client of the seed products would. */
export function rest(url: string, method: string, path: string, options: RestOptions = {}): Promise<RestResponse> {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
    ...options.headers,
  };
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, url), { method, headers, agent: false, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text === "" ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error("REST call timed out")));
    request.on("error", reject);
    request.end(body);
  });
}
