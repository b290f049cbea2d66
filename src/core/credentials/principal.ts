import type { ContextKey, HandlerContext } from "@connectrpc/connect";

/**
 * The principal the transport resolved for this call. Throws (an internal error) when the RPC
 * does not declare the credential the handler reads: a contract bug, never a client's fault.
 */
export function principal<P>(context: HandlerContext, key: ContextKey<P | undefined>): P {
  const value = context.values.get(key);
  if (value === undefined) throw new Error(`${context.method.parent.typeName}/${context.method.name} reads a principal it does not declare`);
  return value;
}
