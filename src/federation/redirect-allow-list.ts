/**
 * Allowed `redirect_to` URLs: exact URLs, or prefixes written with a trailing `*` (the part
 * before it must end in `/`, so `https://app.example.com/*` never admits
 * `https://app.example.com.evil.test/`).
 */
export interface RedirectAllowList {
  /** True when `url` (an absolute http or https URL) is allowed. */
  allows(url: string): boolean;
}

/** Why a pattern cannot be an allowed redirect URL, or undefined when it can. */
export function redirectPatternProblem(pattern: string): string | undefined {
  const wildcard = pattern.endsWith("*");
  const base = wildcard ? pattern.slice(0, -1) : pattern;
  if (base.includes("*")) return "only a trailing * is allowed";
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return "is not an absolute URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be http or https";
  if (wildcard && !base.endsWith("/")) return "a * must follow a /";
  return undefined;
}

/** Builds the allow list from validated patterns. */
export function createRedirectAllowList(patterns: readonly string[]): RedirectAllowList {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("*")) prefixes.push(new URL(pattern.slice(0, -1)).href);
    else exact.add(new URL(pattern).href);
  }
  return {
    allows(candidate) {
      let url: URL;
      try {
        url = new URL(candidate);
      } catch {
        return false;
      }
      if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "") return false;
      return exact.has(url.href) || prefixes.some((prefix) => url.href.startsWith(prefix));
    },
  };
}

/** Decodes a base64url `redirect_to` (padding optional); undefined when it is not base64url text. */
export function decodeRedirectTo(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value.replace(/=+$/, ""), "base64url").toString("utf8");
  return text.includes("\uFFFD") ? undefined : text;
}

/** `base` with `params` added to its query (existing ones kept). */
export function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}
