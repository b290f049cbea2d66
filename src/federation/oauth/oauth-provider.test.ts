import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import type { CustomFetch, CustomFetchOptions } from "openid-client";
import { describe, expect, it } from "vitest";
import { createOAuthProvider } from "./oauth-provider.js";
import type { OAuthProviderConfig } from "./oauth-config.js";

const callbackUrl = "https://auth.example.com/thirdparty/callback";
const checks = { state: "s".repeat(43), codeVerifier: "v".repeat(43), nonce: undefined as string | undefined };

/** A fetch that answers from `routes` (by method and URL) and records what was sent. */
function fakeFetch(routes: Record<string, unknown>) {
  const sent: Array<{ url: string; options: CustomFetchOptions }> = [];
  const fetch: CustomFetch = async (url, options) => {
    sent.push({ url, options });
    const body = routes[`${options.method} ${url}`];
    if (body === undefined) return new Response("not found", { status: 404 });
    return Response.json(body);
  };
  return { fetch, sent };
}

const config = (name: "github" | "google"): OAuthProviderConfig => ({ name, kind: name, issuer: undefined, clientId: `${name}-client`, secret: `${name}-secret`, enabled: true });

describe("GitHub (OAuth 2.0, fixed endpoints)", () => {
  it("asks for the user and email scopes with PKCE and no nonce", async () => {
    const provider = createOAuthProvider(config("github"), callbackUrl);
    expect(provider.usesNonce).toBe(false);
    const url = await provider.authorizationUrl(checks);
    expect(`${url.origin}${url.pathname}`).toBe("https://github.com/login/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: "github-client", redirect_uri: callbackUrl, scope: "read:user user:email", state: checks.state, code_challenge_method: "S256" });
    expect(url.searchParams.has("nonce")).toBe(false);
  });

  it("exchanges the code with the verifier and reads the primary address and its verification", async () => {
    const { fetch, sent } = fakeFetch({
      "POST https://github.com/login/oauth/access_token": { access_token: "gho_token", token_type: "bearer", scope: "read:user,user:email" },
      "GET https://api.github.com/user": { id: 4242, login: "octocat", name: "Mona", avatar_url: "https://avatars.example/4242" },
      "GET https://api.github.com/user/emails": [
        { email: "old@example.com", primary: false, verified: true },
        { email: "Mona@Example.com", primary: true, verified: true },
      ],
    });
    const provider = createOAuthProvider(config("github"), callbackUrl, fetch);
    const user = await provider.exchange(new URL(`${callbackUrl}?code=the-code&state=${checks.state}`), checks);
    expect(user).toEqual({ provider: "github", subject: "4242", email: "Mona@Example.com", emailVerified: true, claims: { login: "octocat", name: "Mona", picture: "https://avatars.example/4242" } });
    const token = new URLSearchParams(String(sent[0]!.options.body));
    expect(Object.fromEntries(token)).toMatchObject({ grant_type: "authorization_code", code: "the-code", code_verifier: checks.codeVerifier, client_id: "github-client", client_secret: "github-secret", redirect_uri: callbackUrl });
    expect(sent[1]!.options.headers.authorization).toBe("Bearer gho_token");
  });

  it("refuses a callback whose state is not the login's", async () => {
    const provider = createOAuthProvider(config("github"), callbackUrl, fakeFetch({}).fetch);
    await expect(provider.exchange(new URL(`${callbackUrl}?code=c&state=${"x".repeat(43)}`), checks)).rejects.toMatchObject({ error: "invalid_request" });
  });
});

describe("Google (OpenID Connect, fixed endpoints)", () => {
  it("sends a nonce and takes the verified address from the ID token and userinfo", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const nonce = "n".repeat(43);
    const idToken = await new SignJWT({ nonce })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer("https://accounts.google.com")
      .setAudience("google-client")
      .setSubject("1098")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    const { fetch } = fakeFetch({
      "POST https://oauth2.googleapis.com/token": { access_token: "ya29", token_type: "Bearer", id_token: idToken, expires_in: 3599 },
      "GET https://openidconnect.googleapis.com/v1/userinfo": { sub: "1098", email: "ada@example.com", email_verified: true },
    });
    const provider = createOAuthProvider(config("google"), callbackUrl, fetch);
    const url = await provider.authorizationUrl({ ...checks, nonce });
    expect(`${url.origin}${url.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(url.searchParams.get("nonce")).toBe(nonce);
    expect(url.searchParams.get("scope")).toBe("openid email profile");
    const user = await provider.exchange(new URL(`${callbackUrl}?code=c&state=${checks.state}`), { ...checks, nonce });
    expect(user).toMatchObject({ provider: "google", subject: "1098", email: "ada@example.com", emailVerified: true });
    // The same ID token with another nonce is someone else's login.
    await expect(provider.exchange(new URL(`${callbackUrl}?code=c&state=${checks.state}`), { ...checks, nonce: "m".repeat(43) })).rejects.toMatchObject({ error: "invalid_request" });
  });
});
