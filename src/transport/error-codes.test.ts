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
    const other = Object.assign(new Error("connection reset"), { code: "08006" });
    expect(toProblem(other, logger)).toMatchObject({ reason: "INTERNAL", kind: "internal" });
  });
});
