import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { DomainError } from "../core/errors/domain-error.js";
import { createLogger } from "../log.js";
import { toConnectError, toProblem } from "./error-codes.js";

describe("error codes", () => {
  const lines: string[] = [];
  const logger = createLogger("debug", (line) => lines.push(line));

  it("gives a server fault to RPC callers as Internal with its reason but not its message, and logs it", () => {
    const error = toConnectError(new DomainError("DATA_BROKEN", "internal", "row 42 points nowhere"), logger);
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("internal error");
    expect(lines.some((line) => line.includes("row 42 points nowhere"))).toBe(true);
  });

  it("answers a value the database refused as an invalid field", () => {
    const refused = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    expect(toProblem(refused, logger)).toMatchObject({ reason: "INVALID_FIELD", kind: "invalid" });
    expect(toConnectError(refused, logger).code).toBe(Code.InvalidArgument);
    const other = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" });
    expect(toProblem(other, logger)).toMatchObject({ reason: "INTERNAL", kind: "internal" });
  });

  // A client must be able to tell "try again" from "bug": an outage is never a 500 or INTERNAL.
  it.each([
    ["connection refused", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
    ["connection reset", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })],
    ["administrator shutdown", Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" })],
    ["starting up", Object.assign(new Error("the database system is starting up"), { code: "57P03" })],
    ["connection failure", Object.assign(new Error("connection failure"), { code: "08006" })],
    ["statement timeout", Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" })],
    ["terminated unexpectedly", new Error("Connection terminated unexpectedly")],
    ["pool exhausted", new Error("timeout exceeded when trying to connect")],
    ["wrapped", new Error("query failed", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })],
  ])("answers a database outage (%s) as unavailable: REST 503, RPC Unavailable", (_name, error) => {
    expect(toProblem(error, logger)).toMatchObject({ reason: "UNAVAILABLE", kind: "unavailable" });
    expect(toConnectError(error, logger).code).toBe(Code.Unavailable);
  });
});
