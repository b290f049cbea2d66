import { DOMParser } from "@xmldom/xmldom";
import * as xpath from "xpath";

/** What Tessera checks itself in an assertion node-saml has verified. */
export interface AssertionFacts {
  /** The assertion's ID (replay). */
  id: string;
  /** Every SubjectConfirmationData Recipient (SAML core §2.4.1.2: must be the ACS URL). */
  recipients: string[];
}

const select = xpath.useNamespaces({ saml: "urn:oasis:names:tc:SAML:2.0:assertion" });

/** Reads the ID and recipients of a verified assertion (node-saml's `getAssertionXml()`). */
export function assertionFacts(xml: string): AssertionFacts {
  const root = new DOMParser().parseFromString(xml, "text/xml") as unknown as Node;
  const id = select("string(/saml:Assertion/@ID)", root, true) as string;
  const recipients = (select("/saml:Assertion/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData/@Recipient", root) as Attr[]).map((attribute) => attribute.value);
  return { id, recipients };
}
