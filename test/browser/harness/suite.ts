import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, type TestContext } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { browserSkipReason, launchBrowser } from "./browser.js";

/** Each browser test's own limit: a ceremony that hangs fails here instead of holding the run. */
export const browserTestTimeoutMs = 30_000;

/** Where failure screenshots go (gitignored). */
export const testResultsDir = join(import.meta.dirname, "..", "..", "..", "test-results");

/** The page a browser test drives, new for each test, in a context of its own (no shared cookies). */
export interface BrowserFixture {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * A describe block of browser tests: one Chromium for the block, a fresh context and page per test,
 * and a screenshot of the page in test-results/ when a test fails. Skipped, with the reason in its
 * name, where Chromium is missing (unless TESSERA_REQUIRE_BROWSER=1).
 */
export function describeBrowser(name: string, body: (fixture: BrowserFixture) => void): void {
  const reason = browserSkipReason();
  if (reason !== undefined) {
    process.stderr.write(`browser suite "${name}" skipped: ${reason}\n`);
    describe.skip(`${name} (skipped: ${reason})`, () => body(unavailableFixture));
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    let page: Page | undefined;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });
    beforeEach(async () => {
      if (browser === undefined) throw new Error("Chromium did not start");
      context = await browser.newContext();
      context.setDefaultTimeout(10_000);
      page = await context.newPage();
    });
    afterEach(async (test: TestContext) => {
      if (test.task.result?.state === "fail" && page !== undefined && !page.isClosed()) {
        mkdirSync(testResultsDir, { recursive: true });
        const file = join(testResultsDir, `${slug(test.task.file?.name ?? "browser")}--${slug(test.task.name)}.png`);
        await page.screenshot({ path: file, fullPage: true }).then(
          () => process.stderr.write(`screenshot of the failed test: ${file}\n`),
          (error: unknown) => process.stderr.write(`no screenshot of the failed test: ${String(error)}\n`),
        );
      }
      await context?.close();
      context = undefined;
      page = undefined;
    });
    body({
      get browser() {
        return required(browser, "browser");
      },
      get context() {
        return required(context, "context");
      },
      get page() {
        return required(page, "page");
      },
    });
  });
}

const unavailableFixture: BrowserFixture = {
  get browser(): Browser {
    throw new Error("no browser");
  },
  get context(): BrowserContext {
    throw new Error("no browser");
  },
  get page(): Page {
    throw new Error("no browser");
  },
};

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the ${what} is only there inside a test`);
  return value;
}

function slug(text: string): string {
  return text.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 100);
}
