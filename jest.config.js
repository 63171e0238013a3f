/**
 * The suite in three tiers, one jest project each (`npm test -- --selectProjects unit`):
 *   unit    pure functions and in-process objects: no server, no child process, no database; seconds.
 *   http    the real express app over supertest or a loopback server, with the in-memory store (sql.js:
 *           no native SQLite build; test/setup-http-tier.ts fails a test that loads better-sqlite3).
 *   system  real processes (the built dist/, compiled once by test/global/build-dist.js before the tier runs),
 *           the browser (Debian's Chromium), PostgreSQL, Redis and store files on disk.
 * `npm test` runs all three. A test file belongs to `http` unless it is listed below for `unit` or `system`.
 */

/** Test files of the unit tier (folders end with a slash). */
const UNIT = [
  'test/unit/',
  'test/deploy/',
  'test/ops/config.test.ts',
  'test/ops/write-queue.test.ts',
  'test/security/replay-memory.test.ts',
];

/** Test files of the system tier. */
const SYSTEM = [
  'test/browser/',
  'test/ops/redis-readiness.test.ts',
  'test/ops/report.test.ts',
  'test/ops/shutdown.test.ts',
  'test/ops/startup.test.ts',
  'test/ops/store.test.ts',
  'test/ops/store-over-http.test.ts',
  'test/security/phi-at-rest.test.ts',
  'test/security/redis.test.ts',
  'test/security/redos-lint.test.ts',
];

/** testMatch globs for a list of folders and files. */
const globs = (paths) =>
  paths.map((p) => (p.endsWith('/') ? `<rootDir>/${p}**/*.test.ts` : `<rootDir>/${p}`));

/** testPathIgnorePatterns (regular expressions) for a list of folders and files. */
const ignored = (paths) =>
  paths.map((p) => `<rootDir>/${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${p.endsWith('/') ? '' : '$'}`);

/** What every tier shares: ESM TypeScript through ts-jest, and nock's guard against real network calls. */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFilesAfterEnv: ['<rootDir>/test/setup-nock.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  clearMocks: true,
};

/** @type {import('jest').Config} */
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: globs(UNIT) },
    {
      ...common,
      displayName: 'http',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFilesAfterEnv: [...common.setupFilesAfterEnv, '<rootDir>/test/setup-http-tier.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...ignored(UNIT), ...ignored(SYSTEM)],
    },
    {
      ...common,
      displayName: 'system',
      testMatch: globs(SYSTEM),
      globalSetup: '<rootDir>/test/global/build-dist.js',
    },
  ],
};
