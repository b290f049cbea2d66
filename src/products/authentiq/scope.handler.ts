import type { JsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ScopeService } from "../../../gen/es/tessera/scope/v1/scope_pb.js";
import type { Issuer } from "./issuer.js";
import type { PushLoginService } from "./push-login.service.js";
import type { ScopeJobService } from "./scope-job.service.js";

/** ScopeService: proto ↔ domain mapping only. */
export function createScopeHandler(deps: { jobs: ScopeJobService; pushLogin: PushLoginService; issuer: Issuer }): ServiceImpl<typeof ScopeService> {
  const { jobs } = deps;
  return {
    pushLogin: (request) => deps.pushLogin.requestLogin(request.callback, request.jwt),
    createScopeJob: (request) => jobs.create(request.jwt, request.test === 1),
    async getScopeJob(request) {
      const job = await jobs.get(request.job);
      return { status: job.status, signed: job.signed, claims: job.claims as JsonObject | undefined, jwt: job.jwt };
    },
    confirmScopeJob: (request) => jobs.confirm(request.job, request.jwt),
    signScopeJob: (request) => jobs.sign(request.job),
    deleteScopeJob: (request) => jobs.remove(request.job),
    getIssuerKeys: async (request) => ({ keys: await deps.issuer.publicKeys(request.test === 1) }),
  };
}
