import type { DescMethod } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { AdminService } from "../../gen/es/tessera/admin/v1/admin_pb.js";
import type { CredentialResolver } from "../core/credentials/credential-resolver.js";
import type { Logger } from "../log.js";
import { toConnectError } from "../transport/error-codes.js";
import type { ServiceRegistration } from "../transport/services.js";
import type { AdminPrincipal } from "./admin-key.js";

/** The RPCs of tessera.admin.v1.AdminService that one handler file implements. */
export type AdminHandlers = Partial<ServiceImpl<typeof AdminService>>;

/** What the admin service is assembled from. */
export interface AdminServiceOptions {
  /**
   * The handler files (users, sessions, credentials, tokens, audit, webhooks), each a part of the
   * service. An RPC no part implements answers UNIMPLEMENTED (REST: 404).
   */
  parts: readonly AdminHandlers[];
  /** The admin key resolver: streaming RPCs, which the credential gate does not see, check it here. */
  adminKey: CredentialResolver<AdminPrincipal>;
  logger: Logger;
}

type StreamCall = (request: unknown, context: HandlerContext) => AsyncIterable<unknown>;

/**
 * Merges the parts into one AdminService implementation; two parts implementing the same RPC is a
 * mistake found at start. The credential gate checks the admin key of every unary RPC (each
 * declares `CREDENTIAL_SCHEME_ADMIN_KEY`); a server-streaming one is wrapped here to check it when
 * the stream opens and leave the principal in the context values, as the gate does.
 */
export function adminService(options: AdminServiceOptions): ServiceRegistration {
  const implementation: Record<string, unknown> = {};
  for (const part of options.parts) {
    for (const [name, call] of Object.entries(part)) {
      if (call === undefined) continue;
      if (name in implementation) throw new Error(`tessera.admin.v1.AdminService.${name} is implemented by two handler files`);
      implementation[name] = call;
    }
  }
  for (const method of AdminService.methods) {
    const call = implementation[method.localName];
    if (method.methodKind === "server_streaming" && typeof call === "function") implementation[method.localName] = guardedStream(method, call as StreamCall, options);
  }
  return { service: AdminService, implementation: implementation as ServiceRegistration["implementation"] };
}

function guardedStream(method: DescMethod, call: StreamCall, options: AdminServiceOptions): StreamCall {
  const { adminKey, logger } = options;
  return async function* (request, context) {
    try {
      context.values.set(adminKey.key, await adminKey.resolve({ header: context.requestHeader, state: "", tenant: undefined }));
    } catch (error) {
      logger.debug("admin stream refused", { method: method.name });
      throw toConnectError(error, logger);
    }
    yield* call(request, context);
  };
}
