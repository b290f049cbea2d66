import { getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { http } from "../../gen/es/google/api/annotations_pb.js";
import { Dialect, rule as restRule } from "../../gen/es/tessera/rest/v1/rest_pb.js";

/**
 * The product an RPC belongs to, for metrics and logs: the seed API whose error dialect its REST
 * route declares (`hanko` when unspecified, as the transcoder renders it), or `tessera` for an
 * RPC without a REST route (health, reflection, Tessera's own services).
 */
export function productOf(method: DescMethod): string {
  if (!hasOption(method, http)) return "tessera";
  return productOfDialect(getOption(method, restRule).dialect);
}

/** The product whose errors a dialect renders. */
export function productOfDialect(dialect: Dialect): string {
  return dialect === Dialect.UNSPECIFIED ? "hanko" : Dialect[dialect].toLowerCase();
}
