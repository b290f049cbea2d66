import { createContextKey, type ContextKey } from "@connectrpc/connect";

/** What a resolver is given: the call's headers (REST) or metadata (RPC) and what the RPC declares. */
export interface CredentialCall {
  readonly header: Headers;
  /** `tessera.rest.v1.Credential.state`: what the credential must stand for; empty when unset. */
  readonly state: string;
  /** The value of the declared tenant field (AuthFi's access point), if the RPC names one. */
  readonly tenant: string | undefined;
}

/** What an RPC declares of its scheme (`tessera.rest.v1.Credential`), empty strings where unset. */
export interface CredentialDeclaration {
  readonly state: string;
  /** The proto name of the input field naming the tenant. */
  readonly tenantField: string;
}

/**
 * Resolves one credential scheme into the principal a handler receives, or throws the product's
 * DomainError (unauthenticated, forbidden) for a missing or refused credential.
 */
export interface CredentialResolver<P> {
  /** Where the principal is left for the handler. */
  readonly key: ContextKey<P | undefined>;
  /**
   * What is wrong with an RPC's declaration of this scheme (a state the scheme has not, a
   * tenant field it needs or takes none), or undefined when it is sound. The gate asks at start
   * and stops the server naming the RPC, so that a typo in a proto is not found by a caller.
   */
  check(declaration: CredentialDeclaration): string | undefined;
  resolve(call: CredentialCall): Promise<P>;
}

/** The check of a scheme that has no state and no tenant (a Hanko session, a Jincor service token). */
export function declaresNothingMore(declaration: CredentialDeclaration): string | undefined {
  if (declaration.state !== "") return `a state ("${declaration.state}"), which the scheme has not`;
  if (declaration.tenantField !== "") return `a tenant field (${declaration.tenantField}), which the scheme takes none of`;
  return undefined;
}

/** A context key for a scheme's principal (one per scheme, declared by the product). */
export function principalKey<P>(description: string): ContextKey<P | undefined> {
  return createContextKey<P | undefined>(undefined, { description });
}
