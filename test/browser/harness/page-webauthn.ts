import type { Page } from "playwright-core";
import { expect } from "vitest";

/** What a page's navigator.credentials call gave: the credential as JSON, or the DOMException's name and message. */
export type CeremonyResult = { ok: true; credential: Record<string, unknown> } | { ok: false; name: string; message: string };

/**
 * Calls navigator.credentials.create in the page with creation options in their JSON form
 * (base64url binaries, WebAuthn level 3 parseCreationOptionsFromJSON) and answers the credential's toJSON().
 */
export function createInPage(page: Page, publicKey: unknown): Promise<CeremonyResult> {
  return page.evaluate(async (options) => {
    try {
      const parsed = PublicKeyCredential.parseCreationOptionsFromJSON(options as PublicKeyCredentialCreationOptionsJSON);
      const credential = (await navigator.credentials.create({ publicKey: parsed })) as PublicKeyCredential;
      return { ok: true as const, credential: credential.toJSON() as Record<string, unknown> };
    } catch (error) {
      const failure = error as Error;
      return { ok: false as const, name: failure.name, message: failure.message };
    }
  }, publicKey);
}

/** Calls navigator.credentials.get in the page with request options in their JSON form and answers the assertion's toJSON(). */
export function getInPage(page: Page, publicKey: unknown): Promise<CeremonyResult> {
  return page.evaluate(async (options) => {
    try {
      const parsed = PublicKeyCredential.parseRequestOptionsFromJSON(options as PublicKeyCredentialRequestOptionsJSON);
      const credential = (await navigator.credentials.get({ publicKey: parsed })) as PublicKeyCredential;
      return { ok: true as const, credential: credential.toJSON() as Record<string, unknown> };
    } catch (error) {
      const failure = error as Error;
      return { ok: false as const, name: failure.name, message: failure.message };
    }
  }, publicKey);
}

/** A fetch made by the page (its origin, its cookies): the status and the body parsed as JSON when it is JSON. */
export interface PageResponse {
  status: number;
  json: unknown;
  headers: Record<string, string>;
}

/** Calls `fetch` in the page, as a web app would: same-origin cookies are sent and kept. */
export function fetchInPage(page: Page, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<PageResponse> {
  return page.evaluate(
    async ({ path, init }) => {
      const response = await fetch(path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        credentials: "include",
        headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      return { status: response.status, json, headers };
    },
    { path, init },
  );
}

/** The credential of a ceremony that must have succeeded (the test fails with the browser's error otherwise). */
export function credentialOf(result: CeremonyResult): Record<string, unknown> {
  expect(result).toMatchObject({ ok: true });
  return (result as Extract<CeremonyResult, { ok: true }>).credential;
}
