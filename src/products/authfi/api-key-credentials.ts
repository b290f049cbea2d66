import { principalKey, type CredentialResolver } from "../../core/credentials/credential-resolver.js";
import type { AccessPoint, AccessPointService } from "./tenant.service.js";

/** The header (REST) or metadata (gRPC, Connect) carrying the access point's API key. */
export const apiKeyHeader = "at-x-key";

/** Where the transport leaves the access point of an RPC declaring `CREDENTIAL_SCHEME_AUTHFI_API_KEY`. */
export const authfiAccessPoint = principalKey<AccessPoint>("authfi access point");

/**
 * Resolves `CREDENTIAL_SCHEME_AUTHFI_API_KEY`: the access point named by the declared tenant
 * field (the path's `{access_point}`), if `AT-X-KEY` is one of its keys. Throws AuthFi's
 * unauthenticated (2000) and blocked (suspended) errors.
 */
export function createAuthfiApiKeyResolver(accessPoints: AccessPointService): CredentialResolver<AccessPoint> {
  return {
    key: authfiAccessPoint,
    // The key belongs to one access point: an RPC must say which field names it.
    check: ({ state, tenantField }) =>
      state !== "" ? `a state ("${state}"), which the scheme has not` : tenantField === "" ? "no tenant field, which the scheme needs to know the access point" : undefined,
    resolve: ({ header, tenant }) => accessPoints.authenticate(tenant ?? "", header.get(apiKeyHeader)),
  };
}
