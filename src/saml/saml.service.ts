import type { SamlAttributeMap } from "./saml-config.js";

/** A registered service provider as `GET /saml/provider` shows it. */
export interface SamlProviderView {
  enabled: boolean;
  name: string;
  domain: string;
  metadataUrl: string;
  skipEmailVerification: boolean;
  attributeMap: SamlAttributeMap;
}

/** SAML login: provider lookup, SP metadata, and both ends of the IdP round trip. */
export interface SamlService {
  /** The provider registered for `domain`; throws NOT_FOUND (not_found). */
  provider(domain: string): SamlProviderView;
  /** The SP metadata XML, or its certificate PEM; throws NOT_FOUND (not_found). */
  metadata(domain: string, certOnly: boolean): Promise<string>;
  /** `/saml/auth`: the IdP URL with a signed AuthnRequest, or an error redirect; NOT_FOUND for an unknown domain. */
  begin(input: { domain: string; redirectTo: string; referer: string }): Promise<string>;
  /** `/saml/callback`: never throws; `loggedIn` false means an error redirect. */
  finish(input: { relayState: string; samlResponse: string }): Promise<{ location: string; loggedIn: boolean }>;
}
