import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** An account the test identity provider logs in. */
export interface IdpAccount {
  sub: string;
  email: string;
  emailVerified: boolean;
}

/** What the next login at the provider does: log in an account, or refuse. */
export type NextLogin = { account: IdpAccount } | { error: string; description: string };

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1: one confidential client,
 * PKCE required, and an interaction that finishes at once as `next` says (no login form).
 */
export interface OidcIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  next: NextLogin;
  close(): Promise<void>;
}

/** Starts the provider; `redirectUris` are the client's registered callback URLs. */
export async function startOidcIdp(redirectUris: string[]): Promise<OidcIdp> {
  const accounts = new Map<string, IdpAccount>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: OidcIdp = {
    issuer,
    clientId: "tessera",
    clientSecret: "tessera-client-secret-0123456789abcdef",
    next: { error: "access_denied", description: "no login prepared" },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const provider = new Provider(issuer, {
    clients: [{ client_id: idp.clientId, client_secret: idp.clientSecret, redirect_uris: redirectUris, grant_types: ["authorization_code"], response_types: ["code"] }],
    async findAccount(_context: unknown, sub: string) {
      const account = accounts.get(sub);
      if (account === undefined) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: account.email, email_verified: account.emailVerified }) };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_context: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["oidc-idp-test-cookie-key"] },
    jwks: { keys: [{ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "test", use: "sig" }] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
  });
  const callback = provider.callback();
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!request.url?.startsWith("/interaction/")) return callback(request, response);
    void (async () => {
      const details = await provider.interactionDetails(request, response);
      const next = idp.next;
      if ("error" in next) {
        await provider.interactionFinished(request, response, { error: next.error, error_description: next.description }, { mergeWithLastSubmission: false });
        return;
      }
      accounts.set(next.account.sub, next.account);
      const grant = new provider.Grant({ accountId: next.account.sub, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(request, response, { login: { accountId: next.account.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  return idp;
}

/**
 * Plays the browser at the provider: follows redirects from `url` (keeping the provider's
 * cookies) until one leaves for `until`, and returns that URL.
 */
export async function followToCallback(url: string, until: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = new URL(url);
  for (let hop = 0; hop < 10; hop++) {
    if (next.href.startsWith(until)) return next;
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(next, { redirect: "manual", headers: cookie === "" ? {} : { cookie } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const index = pair!.indexOf("=");
      jar.set(pair!.slice(0, index), pair!.slice(index + 1));
    }
    const location = response.headers.get("location");
    if (location === null) throw new Error(`the provider answered ${response.status} without a redirect: ${await response.text()}`);
    next = new URL(location, next);
  }
  throw new Error("too many redirects at the provider");
}
