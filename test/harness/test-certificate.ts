import { execFileSync } from "node:child_process";

/** A PEM RSA private key and its self-signed certificate. */
export interface TestCertificate {
  privateKey: string;
  certificate: string;
}

/** Makes a throwaway RSA-2048 key and self-signed certificate with the machine's `openssl`. */
export function makeTestCertificate(commonName: string, days = 2): TestCertificate {
  const pem = execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "-", "-out", "-", "-subj", `/CN=${commonName}`, "-days", String(days)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const privateKey = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0];
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (privateKey === undefined || certificate === undefined) throw new Error("openssl made no key and certificate");
  return { privateKey: `${privateKey}\n`, certificate: `${certificate}\n` };
}
