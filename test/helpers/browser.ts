import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * Debian's headless Chromium, driven by playwright-core (which downloads no browser of its own).
 * `.ci/run` installs `chromium-headless-shell` when it is absent. Outside CI a machine without it
 * skips the browser tests and says why; in CI (process.env.CI) they run and fail instead, so a
 * pipeline never passes by skipping.
 */
const EXECUTABLES = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];

/** Flags that keep Chromium off the network it would otherwise call at start (updates, sync, field trials). */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const chromiumExecutable = EXECUTABLES.find((file) => existsSync(file));
export const browserSkip = chromiumExecutable === undefined && !process.env.CI;
export const browserSkipReason = browserSkip
  ? ` (skipped: no Chromium at ${EXECUTABLES.join(" or ")}; install it with apt-get install -y chromium-headless-shell, as .ci/run does. CI fails without it)`
  : "";

export interface OpenedPage {
  readonly page: Page;
  /** Every request the page made besides loading the document itself. */
  readonly requests: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * Opens a local file in a fresh profile with JavaScript off and the network offline: what a report
 * shows there, it shows anywhere. Any request besides the document, and any console error (a
 * Content-Security-Policy refusal is one), is recorded for the test to assert on.
 */
export async function openFile(file: string, viewport = { width: 1200, height: 900 }): Promise<OpenedPage> {
  if (!chromiumExecutable)
    throw new Error(
      `no Chromium at ${EXECUTABLES.join(" or ")}. Fix: apt-get install -y chromium-headless-shell (.ci/run does this in CI)`,
    );
  const profile = mkdtempSync(path.join(tmpdir(), "cfct-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumExecutable,
    headless: true,
    args: FLAGS,
    javaScriptEnabled: false,
    offline: true,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url, { waitUntil: "load" });
  return {
    page,
    requests,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Pages in a PDF Chromium printed (each page object is `/Type /Page`; the tree is `/Type /Pages`). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString("latin1").match(/\/Type\s*\/Page\b/g) ?? []).length;
}
