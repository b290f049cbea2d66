import { EchoService } from "../../gen/es/tessera/testing/v1/echo_pb.js";
import { DomainError, errorKinds, type ErrorKind } from "../../src/core/errors/domain-error.js";
import { isReason } from "../../src/core/errors/reasons.js";
import { registerService, type ServiceRegistration } from "../../src/transport/services.js";

/** The transcoder test service: echoes what each route declares it reads. */
export function echoServices(): ServiceRegistration[] {
  return [
    registerService(EchoService, {
      getItem(request) {
        return {
          echo: request,
          version: `v${request.itemId}`,
          cookieValue: `item-${request.itemId}`,
          cookieMaxAge: 120,
        };
      },
      getLiteral() {
        return { route: "literal" };
      },
      createNote(request) {
        return { name: request.name, note: request.note, status: request.note?.priority === 9 ? 200 : 0 };
      },
      signToken(request) {
        return { length: request.token.length, token: request.token };
      },
      deleteItem(request) {
        return { pending: request.name === "pending" };
      },
      fail(request) {
        if (request.reason === "") throw new Error("secret database detail: connection to 10.1.2.3 refused");
        const kind = errorKinds.includes(request.kind as ErrorKind) ? (request.kind as ErrorKind) : "invalid";
        // Reasons are a closed union: an unknown one is the caller's mistake.
        if (!isReason(request.reason)) throw new DomainError("INVALID_FIELD", "invalid", `no such reason ${request.reason}`);
        throw new DomainError(request.reason, kind, `failed with ${request.reason}`);
      },
    }),
  ];
}
