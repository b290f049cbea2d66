import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { UnaryCall } from "./rest/transcoder.js";

/** A service and its implementation, served by the Connect router and the REST transcoder. */
export interface ServiceRegistration {
  service: DescService;
  implementation: Partial<ServiceImpl<DescService>>;
}

/** Pairs a generated service with its implementation, keeping the types together. */
export function registerService<S extends DescService>(service: S, implementation: ServiceImpl<S>): ServiceRegistration {
  return { service, implementation: implementation as unknown as Partial<ServiceImpl<DescService>> };
}

/** The implementation of each unary RPC, found by its descriptor. */
export function implementationIndex(registrations: readonly ServiceRegistration[]): (method: DescMethod) => UnaryCall | undefined {
  const index = new Map<DescMethod, UnaryCall>();
  for (const { service, implementation } of registrations) {
    for (const method of service.methods) {
      const fn = (implementation as Record<string, unknown>)[method.localName];
      if (method.methodKind === "unary" && typeof fn === "function") index.set(method, fn.bind(implementation) as UnaryCall);
    }
  }
  return (method) => index.get(method);
}
