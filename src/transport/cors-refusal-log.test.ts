// A hostile page (or any script that sets Origin) sends request after request from an origin
// the server refuses: the refusal log must not grow by a line per request, nor its memory by an
// entry per invented origin.
import { describe, expect, it } from "vitest";
import type { Logger } from "../log.js";
import { createCorsRefusalLog, type CorsRefusal } from "./cors-refusal-log.js";

const refusal: CorsRefusal = { method: "POST", path: "/tessera.session.v1.SessionService/GetJwks", preflight: false, allowed: "https://app.example.test" };

function recorded(options: { maxOrigins?: number } = {}) {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const lines: Array<Record<string, unknown>> = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    infoJson: () => undefined,
    error: () => undefined,
    warn: (message, fields) => lines.push({ message, ...fields }),
  };
  const log = createCorsRefusalLog({ logger, clock: { now: () => new Date(now) }, ...options });
  return { log, lines, advance: (ms: number) => (now += ms) };
}

describe("the CORS refusal log", () => {
  it("logs an origin's first refusal, then nothing for a minute, then one line with the count it held back", () => {
    const { log, lines, advance } = recorded();
    for (let i = 0; i < 50; i++) log("https://evil.example.test", refusal);
    expect(lines).toEqual([{ message: "cors origin refused", origin: "https://evil.example.test", ...refusal }]);

    advance(59_999);
    log("https://evil.example.test", refusal);
    expect(lines).toHaveLength(1);

    advance(1);
    log("https://evil.example.test", { ...refusal, method: "OPTIONS", preflight: true });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ message: "cors origin refused", origin: "https://evil.example.test", ...refusal, method: "OPTIONS", preflight: true, suppressed: 50 });

    advance(60_000);
    log("https://evil.example.test", refusal);
    expect(lines[2]).not.toHaveProperty("suppressed");
  });

  it("keeps each origin's minute apart", () => {
    const { log, lines, advance } = recorded();
    log("https://one.example.test", refusal);
    advance(30_000);
    log("https://two.example.test", refusal);
    log("https://one.example.test", refusal);
    expect(lines.map((line) => line.origin)).toEqual(["https://one.example.test", "https://two.example.test"]);
    advance(30_000);
    log("https://one.example.test", refusal);
    log("https://two.example.test", refusal);
    expect(lines.map((line) => line.origin)).toEqual(["https://one.example.test", "https://two.example.test", "https://one.example.test"]);
  });

  it("holds at most maxOrigins origins: the others share one bucket, logged once a minute with its count", () => {
    const { log, lines, advance } = recorded({ maxOrigins: 3 });
    for (let i = 0; i < 100; i++) log(`https://invented-${i}.example.test`, refusal);
    expect(lines.map((line) => line.origin)).toEqual(["https://invented-0.example.test", "https://invented-1.example.test", "https://invented-2.example.test", "(other origins)"]);
    expect(lines[3]).toMatchObject({ note: "more than 3 origins refused within 60 s" });

    // A minute on, the expired origins make room again, and the bucket reports what it held back.
    advance(60_000);
    log("https://invented-1.example.test", refusal);
    expect(lines[4]).toEqual({ message: "cors origin refused", origin: "https://invented-1.example.test", ...refusal });
    for (let i = 100; i < 110; i++) log(`https://invented-${i}.example.test`, refusal);
    expect(lines.slice(5).map((line) => line.origin)).toEqual(["https://invented-100.example.test", "https://invented-101.example.test", "(other origins)"]);
    expect(lines[7]).toMatchObject({ suppressed: 96 });
    log("https://invented-200.example.test", refusal);
    expect(lines).toHaveLength(8);
    advance(60_000);
    for (let i = 300; i < 306; i++) log(`https://invented-${i}.example.test`, refusal);
    expect(lines.slice(8).map((line) => line.origin)).toEqual(["https://invented-300.example.test", "https://invented-301.example.test", "https://invented-302.example.test", "(other origins)"]);
    expect(lines[11]).toMatchObject({ suppressed: 8 });
  });
});
