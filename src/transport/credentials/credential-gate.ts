import { getOption, type DescField, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { ContextValues } from "@connectrpc/connect";
import { credential as credentialOption, CredentialScheme } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import type { CredentialResolver } from "../../core/credentials/credential-resolver.js";

/** The resolver of each scheme, registered by the products at the composition root. */
export type CredentialResolvers = Partial<Record<CredentialScheme, CredentialResolver<unknown>>>;

/**
 * Resolves the credential an RPC declares before its handler runs, and leaves the principal in
 * the call's context values; a refused credential throws the resolver's error, which the REST
 * transcoder answers in the route's dialect and the RPC interceptor as its Connect code.
 */
export interface CredentialGate {
  (method: DescMethod, header: Headers, request: Message, values: ContextValues): Promise<void>;
  /**
   * Whether `method` declares a credential: a call of one that declares none skips the gate,
   * and so never builds the request headers it would read.
   */
  declares(method: DescMethod): boolean;
}

type MethodGate = ((header: Headers, request: Message, values: ContextValues) => Promise<void>) | undefined;

/**
 * Creates the gate over `methods`, reading each one's `tessera.rest.v1.credential` once. Throws
 * at start, naming the RPC, when it declares a scheme no resolver serves, a declaration its
 * scheme's resolver refuses (a state the scheme has not), a tenant field its input lacks, or a
 * credential on a streaming RPC (the gate sees no message of a stream). A method the gate was not
 * built over is read when it is first called, never served unchecked.
 */
export function createCredentialGate(methods: Iterable<DescMethod>, resolvers: CredentialResolvers): CredentialGate {
  const gates = new Map<string, MethodGate>();
  // By descriptor too, read on every call: no name is built per call for a method seen before.
  const byMethod = new Map<DescMethod, MethodGate>();
  const build = (method: DescMethod): MethodGate => {
    const declared = getOption(method, credentialOption);
    if (declared.scheme === CredentialScheme.UNSPECIFIED) return undefined;
    const name = `${method.parent.typeName}/${method.name}`;
    if (method.methodKind !== "unary") throw new Error(`${name} declares a credential, which only unary RPCs may`);
    const resolver = resolvers[declared.scheme];
    if (resolver === undefined) throw new Error(`${name} declares ${CredentialScheme[declared.scheme]}, which no resolver serves`);
    const problem = resolver.check({ state: declared.state, tenantField: declared.tenantField });
    if (problem !== undefined) throw new Error(`${name} declares ${CredentialScheme[declared.scheme]} with ${problem}`);
    const tenantField = declared.tenantField === "" ? undefined : stringField(method, declared.tenantField, name);
    const state = declared.state;
    return async (header, request, values) => {
      const tenant = tenantField === undefined ? undefined : String((request as unknown as Record<string, unknown>)[tenantField.localName]);
      values.set(resolver.key, await resolver.resolve({ header, state, tenant }));
    };
  };
  const key = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;
  for (const method of methods) gates.set(key(method), build(method));
  const gateOf = (method: DescMethod): MethodGate => {
    if (byMethod.has(method)) return byMethod.get(method);
    const name = key(method);
    if (!gates.has(name)) gates.set(name, build(method));
    const gate = gates.get(name);
    byMethod.set(method, gate);
    return gate;
  };
  const gate = async (method: DescMethod, header: Headers, request: Message, values: ContextValues) => {
    const methodGate = gateOf(method);
    if (methodGate !== undefined) await methodGate(header, request, values);
  };
  return Object.assign(gate, { declares: (method: DescMethod) => gateOf(method) !== undefined });
}

function stringField(method: DescMethod, protoName: string, name: string): DescField {
  const field = method.input.fields.find((candidate) => candidate.name === protoName);
  if (field === undefined || field.fieldKind !== "scalar") throw new Error(`${name} names tenant field ${protoName}, which its input lacks`);
  return field;
}
