import { getOption, type DescField, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { ContextValues } from "@connectrpc/connect";
import { credential as credentialOption, CredentialScheme } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import type { CredentialResolvers } from "./credential-resolver.js";

/**
 * Resolves the credential an RPC declares before its handler runs, and leaves the principal in
 * the call's context values; a refused credential throws the resolver's error, which the REST
 * transcoder answers in the route's dialect and the RPC interceptor as its Connect code.
 */
export type CredentialGate = (method: DescMethod, header: Headers, request: Message, values: ContextValues) => Promise<void>;

/**
 * Creates the gate over `methods`, reading each one's `tessera.rest.v1.credential` once. Throws
 * at start when an RPC declares a scheme no resolver serves, or a tenant field its input lacks.
 */
export function createCredentialGate(methods: Iterable<DescMethod>, resolvers: CredentialResolvers): CredentialGate {
  const gates = new Map<DescMethod, (header: Headers, request: Message, values: ContextValues) => Promise<void>>();
  for (const method of methods) {
    const declared = getOption(method, credentialOption);
    if (declared.scheme === CredentialScheme.UNSPECIFIED) continue;
    const name = `${method.parent.typeName}/${method.name}`;
    const resolver = resolvers[declared.scheme];
    if (resolver === undefined) throw new Error(`${name} declares ${CredentialScheme[declared.scheme]}, which no resolver serves`);
    const tenantField = declared.tenantField === "" ? undefined : stringField(method, declared.tenantField, name);
    const state = declared.state;
    gates.set(method, async (header, request, values) => {
      const tenant = tenantField === undefined ? undefined : String((request as unknown as Record<string, unknown>)[tenantField.localName]);
      values.set(resolver.key, await resolver.resolve({ header, state, tenant }));
    });
  }
  return async (method, header, request, values) => {
    const gate = gates.get(method);
    if (gate !== undefined) await gate(header, request, values);
  };
}

function stringField(method: DescMethod, protoName: string, name: string): DescField {
  const field = method.input.fields.find((candidate) => candidate.name === protoName);
  if (field === undefined || field.fieldKind !== "scalar") throw new Error(`${name} names tenant field ${protoName}, which its input lacks`);
  return field;
}
