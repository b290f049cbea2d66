import { describe, expect, it } from "vitest";
import { databaseUnavailable } from "../core/errors/database-error.js";
import { createLogger } from "../log.js";
import { errorLocation } from "./login-redirect.js";
import { LoginError } from "./login-error.js";

/** errorLocation's redirect and the log lines it wrote. */
function locate(error: unknown): { query: Record<string, string>; levels: string[] } {
  const lines: string[] = [];
  const location = errorLocation("https://app.example.com/login", error, createLogger("debug", (line) => lines.push(line)), "third-party login");
  return { query: Object.fromEntries(new URL(location).searchParams), levels: lines.map((line) => (JSON.parse(line) as { level: string }).level) };
}

describe("errorLocation", () => {
  it.each([
    { name: "a refused connection", error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }) },
    { name: "an admin shutdown (57P01)", error: Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }) },
    { name: "a full pool", error: new Error("timeout exceeded when trying to connect") },
    { name: "the service's own outage error", error: databaseUnavailable(new Error("Connection terminated unexpectedly")) },
  ])("redirects $name with temporarily_unavailable, logged at warn", ({ error }) => {
    const { query, levels } = locate(error);
    expect(query.error).toBe("temporarily_unavailable");
    expect(query.error_description).not.toContain("ECONNREFUSED");
    expect(levels).toEqual(["warn"]);
  });

  it("redirects a bug with server_error, logged at error", () => {
    const { query, levels } = locate(new TypeError("cannot read properties of undefined"));
    expect(query).toEqual({ error: "server_error", error_description: "an internal error has occurred" });
    expect(levels).toEqual(["error"]);
  });

  it("redirects a refusal with its own error, logged at info", () => {
    const { query, levels } = locate(new LoginError("access_denied", "the user refused"));
    expect(query).toEqual({ error: "access_denied", error_description: "the user refused" });
    expect(levels).toEqual(["info"]);
  });
});
