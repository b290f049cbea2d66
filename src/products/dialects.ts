import { Dialect } from "../../gen/es/tessera/rest/v1/rest_pb.js";
import type { ErrorDialect } from "../core/errors/dialect.js";
import { adminDialect } from "../admin/admin-dialect.js";
import { authenticatorDialect } from "./authenticator/dialect.js";
import { authentiqDialect } from "./authentiq/dialect.js";
import { authfiDialect } from "./authfi/dialect.js";
import { hankoDialect } from "./hanko/dialect.js";
import { jincorDialect } from "./jincor/dialect.js";

/**
 * The products, by the names of their dialects (the OpenAPI documents gen/openapi/<name>.openapi.json),
 * and the operator's admin API, which has a document of its own too.
 */
export const productNames: readonly string[] = [hankoDialect, jincorDialect, authentiqDialect, authenticatorDialect, authfiDialect, adminDialect].map((dialect) => dialect.name);

/**
 * Each product's error dialect by the name its routes declare; Hanko when unspecified and for
 * unclaimed paths. The transport's `DialectTable` (src/transport/dialect-table.ts), handed over
 * by the composition root.
 */
export const productDialects = {
  forRule(dialect: Dialect): ErrorDialect {
    switch (dialect) {
      case Dialect.JINCOR:
        return jincorDialect;
      case Dialect.AUTHFI:
        return authfiDialect;
      case Dialect.AUTHENTIQ:
        return authentiqDialect;
      case Dialect.AUTHENTICATOR:
        return authenticatorDialect;
      // Admin routes are served on the management port only; the table names the dialect all the same.
      case Dialect.ADMIN:
        return adminDialect;
      case Dialect.HANKO:
      case Dialect.UNSPECIFIED:
        return hankoDialect;
    }
  },
  fallback: hankoDialect,
};
