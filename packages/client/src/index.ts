/**
 * Tessera's browser client: the service descriptors of its public services (their messages are
 * in the subpath modules `@tessera/client/identity`, `/session`, `/webauthn`, `/authenticator`,
 * `/verify` and `/scope`), a connect-web transport and typed error reasons.
 */
export { createClient, ConnectError, Code, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
export { AuthenticatorService } from "./gen/tessera/authenticator/v1/authenticator_pb.js";
export { IdentityService } from "./gen/tessera/identity/v1/identity_pb.js";
export { ScopeService } from "./gen/tessera/scope/v1/scope_pb.js";
export { SessionService } from "./gen/tessera/session/v1/session_pb.js";
export { VerifyService } from "./gen/tessera/verify/v1/verify_pb.js";
export { WebAuthnService } from "./gen/tessera/webauthn/v1/webauthn_pb.js";
export { ErrorInfoSchema, type ErrorInfo } from "./gen/google/rpc/error_details_pb.js";
export { createTesseraTransport, clientIdHeader, type Provided, type TesseraProtocol, type TesseraTransportOptions } from "./transport.js";
export { describeError, errorDomain, errorReason, requestIdHeader, type TesseraError } from "./error-reason.js";
export { isReason, reasons, type Reason } from "./reasons.js";
