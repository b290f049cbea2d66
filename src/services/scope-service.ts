import type { ServiceImpl } from "@connectrpc/connect";
import { ScopeService } from "../../gen/es/tessera/scope/v1/scope_pb.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";

/** ScopeService: Authentiq's scope jobs and push login (one product serves all of it). */
export function scopeService(handlers: { authentiq: ServiceImpl<typeof ScopeService> }): ServiceRegistration {
  return registerService(ScopeService, handlers.authentiq);
}
