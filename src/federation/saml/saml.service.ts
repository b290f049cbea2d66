import { SAML, SamlStatusError, ValidateInResponseTo, generateServiceProviderMetadata, type Profile } from "@node-saml/node-saml";
import { DomainError } from "../../core/errors/domain-error.js";
import type { Logger } from "../../log.js";
import type { AccountLinker } from "../account-link.service.js";
import { LoginError, type ExternalUser } from "../login-error.js";
import { errorLocation, errorTarget, loginStateTtlSeconds, sameSecret, tokenLocation } from "../login-redirect.js";
import type { SamlReplayStore } from "../federation.port.js";
import type { LoginStates } from "../login-state.js";
import { createRedirectAllowList, decodeRedirectTo } from "../redirect-allow-list.js";
import { assertionFacts } from "./assertion-facts.js";
import type { IdpMetadata } from "./idp-metadata.js";
import type { SamlAttributeMap, SamlConfig, SamlProviderConfig } from "./saml-config.js";

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
  /**
   * `/saml/auth`: the IdP URL with a signed AuthnRequest and the RelayState (`state`, to bind to
   * the browser), or an error redirect (also for an unknown domain) and no state.
   */
  begin(input: { domain: string; redirectTo: string; referer: string }): Promise<{ location: string; state: string | undefined }>;
  /** `/saml/callback`: never throws; `loggedIn` false means an error redirect. `stateCookie` must be the RelayState. */
  finish(input: { relayState: string; samlResponse: string; stateCookie: string }): Promise<{ location: string; loggedIn: boolean }>;
}

/** An assertion older than this (from its IssueInstant) is refused. */
const maxAssertionAgeMs = 10 * 60_000;
/** How long used assertion ids are remembered: longer than any assertion is accepted. */
const usedAssertionSeconds = 3600;
/** Clock difference tolerated between this server and the IdP. */
const clockSkewMs = 5_000;

/** Creates the service; `idpMetadata` gives each provider's (possibly fetched) IdP metadata. */
export function createSamlService(deps: {
  loginStates: LoginStates;
  replays: SamlReplayStore;
  config: SamlConfig;
  idpMetadata(provider: SamlProviderConfig): Promise<IdpMetadata>;
  linker: AccountLinker;
  issueToken(userId: string): Promise<string>;
  logger: Logger;
}): SamlService {
  const { loginStates, replays, config, logger } = deps;
  const allowList = createRedirectAllowList(config.redirectUrls);
  const requestCache = replays.requests;
  const registered = (domain: string): SamlProviderConfig => {
    const provider = config.providers.find((candidate) => candidate.domain === domain.trim().toLowerCase());
    if (provider === undefined) throw new DomainError("NOT_FOUND", "not_found", "Not Found");
    return provider;
  };
  const enabled = (domain: string): SamlProviderConfig => {
    const provider = config.providers.find((candidate) => candidate.domain === domain);
    if (provider === undefined || !provider.enabled) throw new LoginError("invalid_request", `the SAML provider for ${domain} is not enabled`);
    return provider;
  };
  const samlFor = async (provider: SamlProviderConfig): Promise<SAML> => {
    let idp: IdpMetadata;
    try {
      idp = await deps.idpMetadata(provider);
    } catch (error) {
      throw new LoginError("server_error", "the identity provider's metadata could not be read", { cause: error });
    }
    return new SAML({
      callbackUrl: config.acsUrl,
      entryPoint: idp.ssoUrl,
      issuer: config.entityId,
      audience: config.entityId,
      idpIssuer: idp.entityId,
      idpCert: idp.certificates,
      privateKey: config.privateKey,
      publicCert: config.certificate,
      signatureAlgorithm: "sha256",
      digestAlgorithm: "sha256",
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: loginStateTtlSeconds * 1000,
      cacheProvider: requestCache,
      acceptedClockSkewMs: clockSkewMs,
      maxAssertionAgeMs,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
    });
  };
  return {
    provider(domain) {
      const provider = registered(domain);
      return {
        enabled: provider.enabled,
        name: provider.name,
        domain: provider.domain,
        metadataUrl: provider.metadataUrl ?? "",
        skipEmailVerification: provider.skipEmailVerification,
        attributeMap: provider.attributeMap,
      };
    },
    async metadata(domain, certOnly) {
      registered(domain);
      if (certOnly) return config.certificate;
      return generateServiceProviderMetadata({
        issuer: config.entityId,
        callbackUrl: config.acsUrl,
        privateKey: config.privateKey,
        publicCerts: config.certificate,
        signatureAlgorithm: "sha256",
        wantAssertionsSigned: true,
        identifierFormat: null,
      });
    },
    async begin(input) {
      try {
        const provider = enabled(input.domain.trim().toLowerCase());
        const redirectTo = decodeRedirectTo(input.redirectTo);
        if (redirectTo === undefined || !allowList.allows(redirectTo)) throw new LoginError("invalid_request", "redirect_to is not allowed");
        const saml = await samlFor(provider);
        const state = await loginStates.create({ protocol: "saml", provider: provider.domain, redirectTo, codeVerifier: undefined, nonce: undefined }, loginStateTtlSeconds);
        return { location: await saml.getAuthorizeUrlAsync(state, undefined, {}), state };
      } catch (error) {
        return { location: errorLocation(errorTarget(input.referer, config.defaultRedirectUrl, allowList), error, logger, "SAML login"), state: undefined };
      }
    },
    async finish(input) {
      try {
        // Login CSRF: a RelayState is only good in the browser it was handed to.
        if (!sameSecret(input.stateCookie, input.relayState)) throw new LoginError("invalid_request", "the RelayState does not belong to this browser");
        const state = await loginStates.consume("saml", input.relayState);
        if (state === undefined) throw new LoginError("invalid_request", "the RelayState is unknown, used or expired");
        const provider = enabled(state.provider);
        const saml = await samlFor(provider);
        const external = await verifiedUser(saml, provider, input.samlResponse);
        const userId = await deps.linker.userFor(external);
        return { location: tokenLocation(state.redirectTo, await deps.issueToken(userId)), loggedIn: true };
      } catch (error) {
        return { location: errorLocation(config.defaultRedirectUrl, error, logger, "SAML login"), loggedIn: false };
      }
    },
  };

  /** node-saml verifies signature, issuer, audience, time window and InResponseTo; Tessera adds recipient and replay. */
  async function verifiedUser(saml: SAML, provider: SamlProviderConfig, samlResponse: string): Promise<ExternalUser> {
    let profile: Profile | null;
    try {
      ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (error) {
      if (error instanceof SamlStatusError) throw new LoginError("access_denied", "the identity provider refused the login", { cause: error });
      throw new LoginError("invalid_request", "the SAML response is invalid", { cause: error });
    }
    if (profile === null || profile.getAssertionXml === undefined) throw new LoginError("invalid_request", "the SAML response carries no assertion");
    const facts = assertionFacts(profile.getAssertionXml());
    if (facts.recipients.length === 0 || facts.recipients.some((recipient) => recipient !== config.acsUrl)) {
      throw new LoginError("invalid_request", "the SAML assertion is meant for another recipient");
    }
    if (facts.id === "" || !(await replays.markAssertionUsed(facts.id, usedAssertionSeconds))) {
      throw new LoginError("invalid_request", "the SAML assertion was already used");
    }
    const attribute = (claim: keyof SamlAttributeMap): string | undefined => {
      const name = provider.attributeMap[claim];
      const value = name === "" ? undefined : profile[name];
      const first = Array.isArray(value) ? value[0] : value;
      return typeof first === "string" && first !== "" ? first : undefined;
    };
    const email = attribute("email") ?? (profile.nameIDFormat?.endsWith(":emailAddress") === true ? profile.nameID : undefined);
    const claims = Object.fromEntries(
      (Object.keys(provider.attributeMap) as Array<keyof SamlAttributeMap>).flatMap((claim) => {
        const value = attribute(claim);
        return value === undefined ? [] : [[claim, value]];
      }),
    );
    return {
      provider: `saml:${provider.domain}`,
      subject: profile.nameID,
      email,
      // An IdP vouches only for addresses of its own domain: another IdP's users are not its to claim.
      emailVerified: (provider.skipEmailVerification || attribute("email_verified")?.toLowerCase() === "true") && isOfDomain(email, provider.domain),
      claims,
    };
  }
}

/** Whether `email` is an address at `domain` or one of its subdomains. */
function isOfDomain(email: string | undefined, domain: string): boolean {
  const host = email?.slice(email.lastIndexOf("@") + 1).toLowerCase();
  return host !== undefined && email!.includes("@") && (host === domain || host.endsWith(`.${domain}`));
}
