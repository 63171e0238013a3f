/**
 * The team's shared material beside the project (`../shared`: third-party
 * corpus, the clinical catalog, the CDS Hooks Sandbox build). A clone of this
 * repository alone does not have it: tests that need it are skipped there with
 * a visible notice (their bodies are not even collected). Where it must be present (CI sets REQUIRE_SHARED=1, and
 * CI=true implies it) its absence fails the run instead.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of `../shared/` (with a trailing slash). */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Whether the shared material must be present (CI). */
export const SHARED_REQUIRED = process.env.REQUIRE_SHARED === '1' || process.env.CI === 'true';

/** Whether `../shared/<path>` exists. */
export function haveShared(path = ''): boolean {
  return existsSync(`${SHARED_DIR}${path}`);
}

/**
 * `describe` for tests that read `../shared/<path>`: runs when it exists; when it
 * does not, fails under REQUIRE_SHARED/CI and is skipped elsewhere with a notice.
 */
export function describeShared(path: string, name: string, body: () => void): void {
  if (haveShared(path)) {
    describe(name, body);
  } else if (SHARED_REQUIRED) {
    describe(name, () => {
      test(`../shared/${path} is present (required here)`, () => {
        throw new Error(`../shared/${path} is missing: these tests cannot run where shared data is required`);
      });
    });
  } else {
    process.stderr.write(`[skipped] ${name}: ../shared/${path} is not beside this clone\n`);
    // The body is not run at all: it may read the missing files while collecting its tests.
    describe.skip(`${name} [skipped: ../shared/${path} absent]`, () => {
      test(`needs ../shared/${path}`, () => undefined);
    });
  }
}
