import type { HandlerContext } from "@connectrpc/connect";
import { clientKey } from "../core/client/client.js";
import { runWithClient } from "../core/client/client-scope.js";
import type { ServiceRegistration } from "./services.js";

/**
 * The registration with each method run in its call's client scope (the Client the transport
 * left in the context), so that the audit events its services record name the caller's address
 * and agent. REST, gRPC and Connect all call the implementation through this.
 */
export function withClientScope(registration: ServiceRegistration): ServiceRegistration {
  const scoped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(registration.implementation as Record<string, unknown>)) {
    scoped[name] =
      typeof fn === "function"
        ? (input: unknown, context: HandlerContext) => runWithClient(context.values.get(clientKey), () => (fn as (input: unknown, context: HandlerContext) => unknown).call(registration.implementation, input, context))
        : fn;
  }
  return { service: registration.service, implementation: scoped as ServiceRegistration["implementation"] };
}
