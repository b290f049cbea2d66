import { describe, expect, it } from "vitest";
import { createClientOf } from "./client-of.js";

describe("createClientOf", () => {
  it.each([
    // [trusted proxies, peer, X-Forwarded-For, client IP]
    [0, "203.0.113.9", undefined, "203.0.113.9"],
    [0, "203.0.113.9", "198.51.100.1", "203.0.113.9"],
    [0, "::ffff:127.0.0.1", undefined, "127.0.0.1"],
    [0, "::1", undefined, "::1"],
    [1, "10.0.0.2", undefined, "10.0.0.2"],
    [1, "10.0.0.2", "198.51.100.1", "198.51.100.1"],
    [1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"],
    [2, "10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"],
    [2, "10.0.0.3", "198.51.100.1", "198.51.100.1"],
    [1, "10.0.0.2", "", "10.0.0.2"],
  ] as const)("with %i trusted proxies, peer %s and X-Forwarded-For %s, the client is %s", (proxies, peer, forwarded, ip) => {
    const headers = forwarded === undefined ? {} : { "x-forwarded-for": forwarded };
    expect(createClientOf(proxies)(peer, headers).ip).toBe(ip);
  });

  it("takes the User-Agent, cut to 512 characters, and empty strings when unknown", () => {
    const clientOf = createClientOf(0);
    expect(clientOf("127.0.0.1", { "user-agent": "curl/8.0" })).toEqual({ ip: "127.0.0.1", userAgent: "curl/8.0" });
    expect(clientOf("127.0.0.1", { "user-agent": "x".repeat(600) }).userAgent).toHaveLength(512);
    expect(clientOf(undefined, {})).toEqual({ ip: "", userAgent: "" });
  });
});
