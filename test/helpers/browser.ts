/**
 * Headless Chromium for the browser tests: Debian's build (never a downloaded
 * browser), with flags that make it open no connection of its own. Without it
 * the browser suites are skipped with a notice on a developer machine and fail
 * in CI (CI=true), so a missing browser never passes silently there.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
