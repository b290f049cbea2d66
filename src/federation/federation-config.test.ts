import { describe, expect, it } from "vitest";
import { makeTestCertificate } from "../../test/harness/test-certificate.js";
import { ConfigError } from "../core/errors/config-error.js";
import { loadConfig } from "../config/config.js";

const sp = makeTestCertificate("sp.test");
const samlBase = { HANKO_SAML_SP_KEY: sp.privateKey, HANKO_SAML_SP_CERT: sp.certificate };

describe("third-party and SAML configuration", () => {
  it("is off in the embedded default", () => {
    const config = loadConfig({});
    expect(config.thirdParty).toEqual({ providers: [], redirectUrls: [], errorUrl: "http://localhost:8080/", callbackUrl: "http://localhost:8080/thirdparty/callback" });
    expect(config.saml).toBeUndefined();
  });

  it("reads providers, redirect URLs and the public URL", () => {
    const config = loadConfig({
      ORIGIN: "https://app.example.com",
      HANKO_PUBLIC_URL: "https://auth.example.com/",
      HANKO_THIRDPARTY_PROVIDERS: JSON.stringify({
        google: { clientId: "g", secret: "gs" },
        github: { clientId: "h", secret: "hs", enabled: false },
        corp: { issuer: "https://sso.corp.example", clientId: "c", secret: "cs" },
        local: { issuer: "http://127.0.0.1:9999", clientId: "l", secret: "ls" },
      }),
      HANKO_THIRDPARTY_REDIRECT_URLS: "https://app.example.com/*, https://app.example.com/exact",
    });
    expect(config.thirdParty).toEqual({
      providers: [
        { name: "google", kind: "google", issuer: undefined, clientId: "g", secret: "gs", enabled: true },
        { name: "github", kind: "github", issuer: undefined, clientId: "h", secret: "hs", enabled: false },
        { name: "corp", kind: "oidc", issuer: "https://sso.corp.example", clientId: "c", secret: "cs", enabled: true },
        { name: "local", kind: "oidc", issuer: "http://127.0.0.1:9999", clientId: "l", secret: "ls", enabled: true },
      ],
      redirectUrls: ["https://app.example.com/*", "https://app.example.com/exact"],
      errorUrl: "https://app.example.com/",
      callbackUrl: "https://auth.example.com/thirdparty/callback",
    });
  });

  it("reads SAML providers with their attribute maps", () => {
    const config = loadConfig({
      ...samlBase,
      HANKO_PUBLIC_URL: "https://auth.example.com",
      HANKO_SAML_PROVIDERS: JSON.stringify([{ domain: "Corp.Example", metadataUrl: "https://idp.corp.example/metadata", attributeMap: { email: "mail" } }]),
    });
    expect(config.saml).toMatchObject({
      acsUrl: "https://auth.example.com/saml/callback",
      entityId: "https://auth.example.com/saml/metadata",
      providers: [{ domain: "corp.example", name: "corp.example", enabled: true, skipEmailVerification: false, attributeMap: { email: "mail" } }],
    });
  });

  it.each([
    ["HANKO_THIRDPARTY_PROVIDERS", { HANKO_THIRDPARTY_PROVIDERS: "{" }],
    ["HANKO_THIRDPARTY_PROVIDERS", { HANKO_THIRDPARTY_PROVIDERS: '{"corp":{"clientId":"c","secret":"s"}}' }],
    ["HANKO_THIRDPARTY_PROVIDERS", { HANKO_THIRDPARTY_PROVIDERS: '{"corp":{"issuer":"http://sso.corp.example","clientId":"c","secret":"s"}}' }],
    ["HANKO_THIRDPARTY_PROVIDERS", { HANKO_THIRDPARTY_PROVIDERS: '{"google":{"clientId":"c"}}' }],
    ["HANKO_THIRDPARTY_PROVIDERS", { HANKO_THIRDPARTY_PROVIDERS: '{"google":{"clientId":"c","secret":"s","enabled":"yes"}}' }],
    ["HANKO_THIRDPARTY_REDIRECT_URLS", { HANKO_THIRDPARTY_REDIRECT_URLS: "https://app.example.com*" }],
    ["HANKO_THIRDPARTY_REDIRECT_URLS", { HANKO_THIRDPARTY_REDIRECT_URLS: "javascript:alert(1)" }],
    ["HANKO_THIRDPARTY_ERROR_URL", { HANKO_THIRDPARTY_ERROR_URL: "/relative" }],
    ["HANKO_PUBLIC_URL", { HANKO_PUBLIC_URL: "ftp://x" }],
    ["HANKO_SAML_PROVIDERS", { ...samlBase, HANKO_SAML_PROVIDERS: '[{"domain":"corp.example"}]' }],
    // The metadata carries the trusted certificates: plain http only on loopback.
    ["HANKO_SAML_PROVIDERS", { ...samlBase, HANKO_SAML_PROVIDERS: '[{"domain":"corp.example","metadataUrl":"http://idp.corp.example/metadata"}]' }],
    ["HANKO_SAML_PROVIDERS", { ...samlBase, HANKO_SAML_PROVIDERS: '[{"domain":"localhost","metadataXml":"<x/>"}]' }],
    ["HANKO_SAML_PROVIDERS", { ...samlBase, HANKO_SAML_PROVIDERS: '[{"domain":"corp.example","metadataXml":"<x/>","attributeMap":{"shoe_size":"s"}}]' }],
    ["HANKO_SAML_SP_KEY", { HANKO_SAML_PROVIDERS: '[{"domain":"corp.example","metadataXml":"<x/>"}]' }],
    ["HANKO_SAML_SP_CERT", { HANKO_SAML_SP_KEY: sp.privateKey, HANKO_SAML_SP_CERT: "nope", HANKO_SAML_PROVIDERS: '[{"domain":"corp.example","metadataXml":"<x/>"}]' }],
    ["HANKO_SAML_REDIRECT_URLS", { ...samlBase, HANKO_SAML_PROVIDERS: '[{"domain":"corp.example","metadataXml":"<x/>"}]', HANKO_SAML_REDIRECT_URLS: "nope" }],
  ])("refuses a bad %s with a message naming it", (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}\\b`));
  });
});
