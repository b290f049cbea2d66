/** The content types of the RPC protocols: gRPC and gRPC-Web (`application/grpc…`), Connect streaming (`application/connect+…`). */
const rpcContentType = /^application\/(?:grpc|connect\+)/i;

/**
 * A path shaped `/package.Service/Method`: a dotted package and service name, then a method.
 * No REST route of the seeds has this shape (their first segments carry no dot, or start with one).
 */
const rpcPath = /^\/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\/[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether a request is an RPC, whatever service it names: one with a gRPC, gRPC-Web or Connect
 * streaming content type, or one at a path shaped `/package.Service/Method` (a Connect unary call
 * is `application/json` or `application/proto` there). A call of a service this server does not
 * serve is then answered UNIMPLEMENTED in its protocol, not as a REST path that is not found.
 */
export function looksLikeRpc(url: string, contentType: string | undefined): boolean {
  if (contentType !== undefined && rpcContentType.test(contentType)) return true;
  const queryAt = url.indexOf("?");
  return rpcPath.test(queryAt < 0 ? url : url.slice(0, queryAt));
}
