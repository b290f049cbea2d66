import { createContextKey, type ContextKey } from "@connectrpc/connect";
import type { CredentialScheme } from "../../../gen/es/tessera/rest/v1/rest_pb.js";

/** What a resolver is given: the call's headers (REST) or metadata (RPC) and what the RPC declares. */
export interface CredentialCall {
  readonly header: Headers;
  /** `tessera.rest.v1.Credential.state`: what the credential must stand for; empty when unset. */
  readonly state: string;
  /** The value of the declared tenant field (AuthFi's access point), if the RPC names one. */
  readonly tenant: string | undefined;
}

/**
 * Resolves one credential scheme into the principal a handler receives, or throws the product's
 * DomainError (unauthenticated, forbidden) for a missing or refused credential.
 */
export interface CredentialResolver<P> {
  /** Where the principal is left for the handler. */
  readonly key: ContextKey<P | undefined>;
  resolve(call: CredentialCall): Promise<P>;
}

/** The resolver of each scheme, registered by the products at the composition root. */
export type CredentialResolvers = Partial<Record<CredentialScheme, CredentialResolver<unknown>>>;

/** A context key for a scheme's principal (one per scheme, declared by the product). */
export function principalKey<P>(description: string): ContextKey<P | undefined> {
  return createContextKey<P | undefined>(undefined, { description });
}
