import { DOMParser } from "@xmldom/xmldom";
import * as xpath from "xpath";

/** What a SAML service provider needs from its identity provider's metadata. */
export interface IdpMetadata {
  /** The IdP's entity id: the Issuer its responses must carry. */
  entityId: string;
  /** Its SingleSignOnService for the HTTP-Redirect binding. */
  ssoUrl: string;
  /** Its signing certificates (base64 DER): what response signatures are verified with. */
  certificates: string[];
}

const select = xpath.useNamespaces({ md: "urn:oasis:names:tc:SAML:2.0:metadata", ds: "http://www.w3.org/2000/09/xmldsig#" });
const redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/**
 * Reads an IdP's EntityDescriptor (SAML 2.0 metadata §2.3): entity id, HTTP-Redirect SSO
 * endpoint and signing certificates. Throws an Error saying what is missing. (Reading
 * metadata is not verifying anything: signatures are node-saml's job.)
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  const errors: string[] = [];
  const document = new DOMParser({ errorHandler: { error: (message) => errors.push(message), fatalError: (message) => errors.push(message) } }).parseFromString(xml, "text/xml");
  if (errors.length > 0 || document.documentElement === null) throw new Error("the IdP metadata is not well-formed XML");
  const root = document as unknown as Node;
  const entityId = select("string(/md:EntityDescriptor/@entityID)", root, true) as string;
  const idp = "/md:EntityDescriptor/md:IDPSSODescriptor";
  const ssoUrl = select(`string(${idp}/md:SingleSignOnService[@Binding='${redirectBinding}']/@Location)`, root, true) as string;
  const certificates = (select(`${idp}/md:KeyDescriptor[not(@use) or @use='signing']/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()`, root) as Node[])
    .map((node) => (node.nodeValue ?? "").replace(/\s+/g, ""))
    .filter((value) => value !== "");
  if (entityId === "") throw new Error("the IdP metadata has no EntityDescriptor entityID");
  if (!/^https?:\/\//.test(ssoUrl)) throw new Error("the IdP metadata has no HTTP-Redirect SingleSignOnService");
  if (certificates.length === 0) throw new Error("the IdP metadata has no signing certificate");
  return { entityId, ssoUrl, certificates };
}

/** How long fetched IdP metadata is used before it is fetched again. */
const metadataTtlMs = 60 * 60_000;

/**
 * Each provider's IdP metadata: inline XML parsed now (a bad one stops the start), a
 * metadata URL fetched at first use and again after an hour or a failure.
 */
export function createIdpMetadataSource(providers: ReadonlyArray<{ domain: string; metadataUrl: string | undefined; metadataXml: string | undefined }>): (provider: { domain: string }) => Promise<IdpMetadata> {
  const inline = new Map<string, IdpMetadata>();
  const urls = new Map<string, string>();
  for (const provider of providers) {
    if (provider.metadataXml !== undefined) {
      try {
        inline.set(provider.domain, parseIdpMetadata(provider.metadataXml));
      } catch (error) {
        throw new Error(`HANKO_SAML_PROVIDERS: the metadataXml of ${provider.domain} is unusable: ${(error as Error).message}`);
      }
    } else if (provider.metadataUrl !== undefined) urls.set(provider.domain, provider.metadataUrl);
  }
  const fetched = new Map<string, { at: number; metadata: Promise<IdpMetadata> }>();
  return async (provider) => {
    const known = inline.get(provider.domain);
    if (known !== undefined) return known;
    const url = urls.get(provider.domain);
    if (url === undefined) throw new Error(`no IdP metadata for ${provider.domain}`);
    const cached = fetched.get(provider.domain);
    if (cached !== undefined && Date.now() - cached.at < metadataTtlMs) return cached.metadata;
    const metadata = fetch(url, { signal: AbortSignal.timeout(10_000) }).then(async (response) => {
      if (!response.ok) throw new Error(`the IdP metadata URL answered ${response.status}`);
      return parseIdpMetadata(await boundedText(response, maxMetadataBytes));
    });
    fetched.set(provider.domain, { at: Date.now(), metadata });
    metadata.catch(() => fetched.delete(provider.domain));
    return metadata;
  };
}

/** IdP metadata larger than this is refused: a real document is a few KiB. */
const maxMetadataBytes = 1024 * 1024;

/** The body as text, refused past `limit` bytes without reading the rest. */
async function boundedText(response: Response, limit: number): Promise<string> {
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) throw new Error(`the IdP metadata is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
