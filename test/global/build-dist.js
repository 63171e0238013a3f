/**
 * Global set-up of the system tier: compiles src/ into dist/ once (incrementally) and copies the card
 * templates beside it, so the tests that need a real process start `node dist/server.js` instead of
 * compiling TypeScript in every child.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { copyTemplates } from '../../scripts/copy-templates.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export default function buildDist() {
  const started = Date.now();
  execFileSync(
    process.execPath,
    [TSC, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  copyTemplates();
  process.stderr.write(`\n[system tier] dist/ built in ${Date.now() - started} ms\n`);
}
