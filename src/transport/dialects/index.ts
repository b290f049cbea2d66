import { Dialect } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import { authenticatorDialect } from "./authenticator.js";
import { authentiqDialect } from "./authentiq.js";
import { authfiDialect } from "./authfi.js";
import type { ErrorDialect } from "./dialect.js";
import { hankoDialect } from "./hanko.js";
import { jincorDialect } from "./jincor.js";

export type { ErrorAnswer, ErrorDialect, Problem } from "./dialect.js";

/** The dialect a route declares in its `tessera.rest.v1.rule`; Hanko when unspecified. */
export function dialectFor(dialect: Dialect): ErrorDialect {
  switch (dialect) {
    case Dialect.JINCOR:
      return jincorDialect;
    case Dialect.AUTHFI:
      return authfiDialect;
    case Dialect.AUTHENTIQ:
      return authentiqDialect;
    case Dialect.AUTHENTICATOR:
      return authenticatorDialect;
    case Dialect.HANKO:
    case Dialect.UNSPECIFIED:
      return hankoDialect;
  }
}

/** The dialect of paths no route claims. */
export const fallbackDialect: ErrorDialect = hankoDialect;
