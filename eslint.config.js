import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { defineConfig } from 'eslint/config';
import regexp from 'eslint-plugin-regexp';

/**
 * The floors of src/, enforced: each folder may import only the folders below it. From the ground up:
 * knowledge (clinical facts) -> protocol (CDS Hooks words) -> clinical (FHIR to facts) -> rules -> fhir, cards
 * -> the orchestrator (cds-hooks) and the shell around it: store (records), suppression (what to hold back),
 * ops (logs, metrics, health), auth (who calls), admin (reports), app. The demo is reached only from app.ts and
 * server.ts, through src/demo/index.ts. Folders are siblings, so an import of another floor is always `../<folder>/...`.
 */
const FOLDERS = [
  'knowledge',
  'protocol',
  'clinical',
  'rules',
  'fhir',
  'cards',
  'suppression',
  'cds-hooks',
  'auth',
  'ops',
  'store',
  'admin',
  'demo',
  'cli',
];
const TOP = ['../app.js', '../server.js', '../config.js', '../logger.js'];
const not = (folders) => folders.map((f) => `../${f}/*`);
const floor = (dir, forbidden, why) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: why }] }],
  },
});
const LAYERS = [
  // First the demo fence for every folder; the floors below restate it with their own limits.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/demo/**', 'src/app.ts', 'src/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../demo/*', './demo/*'],
              message: 'The demo is reached only from app.ts and server.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/app.ts', 'src/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./demo/*', '!./demo/index.js'],
              message: 'The demo has one door: src/demo/index.ts (loadDemo, mountDemo).',
            },
          ],
        },
      ],
    },
  },
  floor(
    'knowledge',
    [...not(FOLDERS), ...TOP],
    'src/knowledge/ is the ground floor: it imports nothing of the service.',
  ),
  floor(
    'protocol',
    [...not(FOLDERS.filter((f) => f !== 'knowledge')), ...TOP],
    'src/protocol/ (the CDS Hooks words) imports only src/knowledge/.',
  ),
  floor(
    'clinical',
    [
      ...not(FOLDERS.filter((f) => !['knowledge', 'protocol'].includes(f))),
      ...TOP,
      'express',
      'supertest',
      'fhir-kit-client',
      'undici',
      'node:http',
      'node:https',
    ],
    'src/clinical/ turns FHIR into facts: no HTTP, and nothing above it (only knowledge/ and protocol/).',
  ),
  floor(
    'rules',
    [...not(FOLDERS.filter((f) => !['knowledge', 'protocol', 'clinical'].includes(f))), ...TOP],
    'Rules are pure: they read the snapshot (clinical/, knowledge/, protocol/) and never build cards, fetch, store or log.',
  ),
  floor(
    'fhir',
    [
      ...not(['rules', 'cards', 'suppression', 'cds-hooks', 'auth', 'ops', 'store', 'admin', 'demo', 'cli']),
      ...TOP,
    ],
    'src/fhir/ (data access) sits below the orchestrator: it may use knowledge/, protocol/ and clinical/.',
  ),
  floor(
    'cards',
    [...not(['fhir', 'suppression', 'cds-hooks', 'auth', 'ops', 'store', 'admin', 'demo', 'cli']), ...TOP],
    'src/cards/ renders findings: it may use rules/ and below, never the orchestrator or the shell.',
  ),
  floor(
    'store',
    [...not(FOLDERS.filter((f) => !['knowledge', 'protocol'].includes(f))), ...TOP],
    'src/store/ keeps records (card log, feedback, suppression memory): it knows no other folder of the service.',
  ),
  floor(
    'suppression',
    [...not(['fhir', 'cds-hooks', 'auth', 'ops', 'admin', 'demo', 'cli']), ...TOP],
    'src/suppression/ decides which findings to hold back from what rules/, cards/ and store/ say; it never fetches, logs or answers HTTP.',
  ),
  floor(
    'ops',
    [
      ...not(['clinical', 'rules', 'cards', 'cds-hooks', 'auth', 'admin', 'demo', 'cli']),
      '../app.js',
      '../server.js',
      '../config.js',
    ],
    'src/ops/ (logs, metrics, health, the card-log queue) serves every route; it never reaches into the clinical floors or the routes.',
  ),
  floor(
    'auth',
    [
      ...not(['clinical', 'rules', 'cards', 'suppression', 'cds-hooks', 'store', 'admin', 'demo', 'cli']),
      '../app.js',
      '../server.js',
    ],
    'src/auth/ checks who is calling; it knows nothing of the clinical floors, the store or the routes it guards.',
  ),
  floor(
    'cds-hooks',
    [...not(['admin', 'demo', 'cli']), '../app.js', '../server.js'],
    'src/cds-hooks/ (the orchestrator) sits under app.ts: it never imports the admin routes, the demo or the command line.',
  ),
  floor(
    'admin',
    [
      ...not(['clinical', 'rules', 'fhir', 'suppression', 'cds-hooks', 'auth', 'demo', 'cli']),
      '../app.js',
      '../server.js',
    ],
    'src/admin/ reports from the store; it never reaches the clinical floors, the FHIR client or the hook routes.',
  ),
];

export default defineConfig(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test-artifacts/**', 'bench/results*'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // ReDoS: no regular expression in the service may take more than linear time, whatever the input
    // (including when only part of the input is matched).
    files: ['src/**/*.ts'],
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
      'regexp/no-super-linear-move': [
        'error',
        { report: 'potential', ignorePartial: false, ignoreSticky: false },
      ],
    },
  },
  ...LAYERS,
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
