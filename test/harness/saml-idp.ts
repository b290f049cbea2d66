import { createVerify, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";
import { SignedXml } from "xml-crypto";
import { makeTestCertificate, type TestCertificate } from "./test-certificate.js";

/** What the SP's AuthnRequest (HTTP-Redirect binding) said, read from the redirect URL. */
export interface AuthnRequest {
  id: string;
  issuer: string;
  acsUrl: string;
  relayState: string;
  /** The redirect-binding signature (SAML bindings §3.4.4.1) verified with `spCertificate`. */
  signatureValid: boolean;
}

/** What a built response asserts; every field has a sane default. */
export interface ResponseOptions {
  inResponseTo: string;
  audience: string;
  recipient: string;
  email: string;
  emailVerified?: boolean;
  /** Seconds from now the assertion stops being valid (negative: already expired). */
  validForSeconds?: number;
  /** Seconds from now the assertion was issued (negative: in the past). */
  issuedInSeconds?: number;
  /** Signs with this key instead of the IdP's own. */
  signer?: TestCertificate;
  /** Changes the signed XML after signing. */
  tamper?: (xml: string) => string;
}

/**
 * A SAML identity provider for tests: its metadata served on 127.0.0.1, its signing key, and
 * responses built and signed (xml-crypto, RSA-SHA256, enveloped, exclusive c14n) as a real
 * IdP would post them to the service provider.
 */
export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  metadataUrl: string;
  metadataXml: string;
  key: TestCertificate;
  readAuthnRequest(location: string, spCertificate: string): AuthnRequest;
  /** The base64 `SAMLResponse` form field. */
  buildResponse(options: ResponseOptions): string;
  close(): Promise<void>;
}

const ns = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';

/** Starts the IdP's metadata server. */
export async function startSamlIdp(): Promise<SamlIdp> {
  const key = makeTestCertificate("idp.test");
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/idp`;
  const ssoUrl = `${base}/sso`;
  const metadataXml = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(key.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}/sso-post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    response.writeHead(request.url === "/metadata" ? 200 : 404, { "content-type": "application/samlmetadata+xml" });
    response.end(request.url === "/metadata" ? metadataXml : "");
  });
  return {
    entityId,
    ssoUrl,
    metadataUrl: `${base}/metadata`,
    metadataXml,
    key,
    readAuthnRequest(location, spCertificate) {
      const url = new URL(location);
      const xml = inflateRawSync(Buffer.from(url.searchParams.get("SAMLRequest") ?? "", "base64")).toString("utf8");
      // The signed octets are the query's own encoding of SAMLRequest, RelayState and SigAlg.
      const raw = new Map(url.search.slice(1).split("&").map((pair) => pair.split("=") as [string, string]));
      const signed = ["SAMLRequest", "RelayState", "SigAlg"].filter((name) => raw.has(name)).map((name) => `${name}=${raw.get(name)}`).join("&");
      const signature = Buffer.from(url.searchParams.get("Signature") ?? "", "base64");
      const signatureValid =
        url.searchParams.get("SigAlg") === "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" && createVerify("RSA-SHA256").update(signed).verify(spCertificate, signature);
      return {
        id: /<samlp:AuthnRequest[^>]* ID="([^"]+)"/.exec(xml)?.[1] ?? "",
        issuer: /<saml:Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? "",
        acsUrl: /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1] ?? "",
        relayState: url.searchParams.get("RelayState") ?? "",
        signatureValid,
      };
    },
    buildResponse(options) {
      const now = Date.now();
      const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
      const issued = at(options.issuedInSeconds ?? 0);
      const notOnOrAfter = at(options.validForSeconds ?? 300);
      const notBefore = at((options.issuedInSeconds ?? 0) - 30);
      const id = (prefix: string) => `_${prefix}${randomBytes(16).toString("hex")}`;
      const assertion = `<saml:Assertion ${ns} ID="${id("a")}" Version="2.0" IssueInstant="${issued}"><saml:Issuer>${entityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${options.email}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${options.inResponseTo}" NotOnOrAfter="${notOnOrAfter}" Recipient="${options.recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${options.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="${id("s")}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="mail"><saml:AttributeValue>${options.email}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="email_verified"><saml:AttributeValue>${options.emailVerified ?? true}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="displayName"><saml:AttributeValue>Test Person</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>`;
      const response = `<samlp:Response ${ns} ID="${id("r")}" Version="2.0" IssueInstant="${issued}" Destination="${options.recipient}" InResponseTo="${options.inResponseTo}"><saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertion}</samlp:Response>`;
      const signer = options.signer ?? key;
      const signature = new SignedXml({
        privateKey: signer.privateKey,
        publicCert: signer.certificate,
        signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
      });
      signature.addReference({
        xpath: "//*[local-name(.)='Assertion']",
        transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
        digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
      });
      signature.computeSignature(response, { location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: "after" } });
      const signedXml = (options.tamper ?? ((xml: string) => xml))(signature.getSignedXml());
      return Buffer.from(signedXml).toString("base64");
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}
