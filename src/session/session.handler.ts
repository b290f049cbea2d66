import type { ServiceImpl } from "@connectrpc/connect";
import type { SessionService as SessionServiceDesc } from "../../gen/es/tessera/session/v1/session_pb.js";
import type { SessionService } from "./session.service.js";

/** The SessionService RPCs: proto ↔ domain mapping only. */
export function createSessionHandler(service: SessionService): ServiceImpl<typeof SessionServiceDesc> {
  return {
    async getStatus() {
      return { html: await service.status() };
    },
    async getJwks() {
      return { keys: await service.sessionKeys() };
    },
    getConfig() {
      return service.publicConfig();
    },
  };
}
