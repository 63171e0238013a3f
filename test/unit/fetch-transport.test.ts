/**
 * The FHIR client (fhir-kit-client) and the JWKS fetch (jose) call Node's
 * global fetch, which is the undici bundled inside Node. The dispatcher they
 * hand it (src/fhir/limited-dispatcher.ts: the response size limit and the
 * per-call byte budget) is built by the npm `undici` package. A dispatcher
 * speaks the handler protocol of the undici copy that built it, so the npm
 * copy must be the major Node's fetch is: otherwise the size limit and the
 * budget may silently stop working, or fetch may fail, after a Node upgrade.
 * These checks make that mismatch fail here, with what to change, instead of
 * at run time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly engines?: Record<string, string>;
}

function manifest(path: string): Manifest {
  return JSON.parse(readFileSync(`${ROOT}${path}`, 'utf8')) as Manifest;
}

function major(version: string): number {
  const m = /^(\d+)\./.exec(version);
  if (!m?.[1]) throw new Error(`not a version: ${version}`);
  return Number(m[1]);
}

const project = manifest('package.json');
/** The undici that builds the dispatcher. */
const npmUndici = manifest('node_modules/undici/package.json').version;
/** The undici declarations `RequestInit['dispatcher']` is typed with (from @types/node). */
const fetchTypes = manifest('node_modules/undici-types/package.json').version;
/** The undici inside the running Node's fetch. */
const bundled = process.versions.undici ?? '';
const nodeVersion = process.versions.node;

/** What to do when the two undici majors differ. */
function mismatch(): string {
  const want = major(bundled);
  return [
    `Node ${nodeVersion}'s fetch is undici ${bundled}, but the dispatcher given to it`,
    `(src/fhir/limited-dispatcher.ts) is built by npm undici ${npmUndici}.`,
    `Install the latest undici ${want}.x (\`npm view undici@${want} version\` lists them):`,
    `npm install --save-exact undici@<that version>. Then rewrite the interceptor in limited-dispatcher.ts`,
    "for that major's handler API, move @types/node to this Node major (its undici-types must be",
    `undici ${want} too) and set package.json's engines.node to this Node major.`,
    'See docs/security.md, "Response size limits and Node\'s fetch".',
  ].join('\n');
}

/** Fails with `message` (what to change) unless `holds`. */
function demand(holds: boolean, message: string): void {
  if (!holds) throw new Error(message);
}

test('the npm undici that builds the FHIR and JWKS dispatcher has the major of the undici inside Node’s fetch', () => {
  expect(bundled).toMatch(/^\d+\.\d+\.\d+/);
  demand(major(npmUndici) === major(bundled), mismatch());
});

test('the dispatcher type fetch accepts (undici-types from @types/node) is declared by the same undici major', () => {
  demand(
    major(fetchTypes) === major(npmUndici),
    `@types/node declares fetch with undici-types ${fetchTypes}, the dispatcher is npm undici ${npmUndici}: ` +
      'take the @types/node of the Node major in use, whose undici-types major matches.',
  );
});

test('package.json pins undici exactly, and the installed copy is that version', () => {
  expect(project.dependencies?.undici).toMatch(/^\d+\.\d+\.\d+$/);
  expect(npmUndici).toBe(project.dependencies?.undici);
});

test('engines.node admits exactly one Node major, and the Node running here is in it', () => {
  // The undici check above can only see the Node it runs on, so the range admits no other major.
  const range = project.engines?.node ?? '';
  const m = /^>=(\d+)\.(\d+)\.(\d+) <(\d+)$/.exec(range);
  demand(m !== null, `engines.node "${range}" is not of the form ">=N.x.y <N+1" (one Node major)`);
  const [lowest, minor, patch, below] = (m ?? []).slice(1).map(Number) as [number, number, number, number];
  expect(below).toBe(lowest + 1);
  const [runMajor, runMinor, runPatch] = nodeVersion.split('.').map(Number) as [number, number, number];
  demand(
    runMajor === lowest && (runMinor > minor || (runMinor === minor && runPatch >= patch)),
    `Node ${nodeVersion} is outside engines.node "${range}". On a Node upgrade, move engines.node to the new ` +
      'major and check the undici major against process.versions.undici (the first test in this file).',
  );
});
