/**
 * Headless Chromium for the browser tests: Debian's build (never a downloaded
 * browser), with flags that make it open no connection of its own. Without it
 * the browser suites are skipped with a notice on a developer machine and fail
 * in CI (CI=true), so a missing browser never passes silently there.
 */
import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** The Chromium binary (CHROMIUM_PATH overrides Debian's /usr/bin/chromium). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Whether the binary is there. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** CI: a missing browser is a failure, not a skip. */
export const IN_CI = process.env.CI === 'true';
/** Where the browser tests leave screenshots. */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url));

/** The flags of a headless Chromium that makes no connection of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Whether browser suites run here; when they do not, says so once on stderr. */
export function browserSuitesRun(what: string): boolean {
  const run = HAVE_CHROMIUM || IN_CI;
  if (!run) process.stderr.write(`${what} skipped: ${CHROMIUM} not found (apt-get install chromium)\n`);
  return run;
}

/** What a confined page did: requests it tried to send elsewhere (aborted), and its uncaught errors. */
export interface PageWatch {
  readonly offHost: string[];
  readonly pageErrors: string[];
}

/**
 * Confines a page's network to the given hosts (and URLs of the given schemes, `data:` by default):
 * anything else is aborted and recorded. Uncaught errors in the page are recorded too.
 */
export async function confinePage(
  page: Page,
  hosts: readonly string[],
  schemes: readonly string[] = ['data:'],
): Promise<PageWatch> {
  const watch: PageWatch = { offHost: [], pageErrors: [] };
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (schemes.some((s) => url.startsWith(s)) || hosts.includes(new URL(url).host)) await route.continue();
    else {
      watch.offHost.push(url);
      await route.abort('blockedbyclient');
    }
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  return watch;
}

/** An HTTP server listening on a free loopback port, and its base URL (attach the app once it knows it). */
export async function loopbackServer(): Promise<{ server: Server; base: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
