import type { Dialect } from "../../gen/es/tessera/rest/v1/rest_pb.js";
import type { ErrorDialect } from "../core/errors/dialect.js";

/**
 * The error dialects the server renders REST errors in: the one a route declares in its
 * `tessera.rest.v1.rule`, and the one for paths no route claims. The products declare theirs;
 * the composition root hands the table to the transport.
 */
export interface DialectTable {
  forRule(dialect: Dialect): ErrorDialect;
  readonly fallback: ErrorDialect;
}
