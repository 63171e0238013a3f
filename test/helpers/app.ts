/**
 * Test wiring: the real app with a fixed clock (the fixture anchor), a silent
 * logger and the real card templates.
 */
import type { Express } from 'express';
import { pino } from 'pino';
import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '../../src/app.js';
import { authFromConfig } from '../../src/auth/index.js';
import { DEFAULT_CARDS_DIR, loadTemplates } from '../../src/cards/templates.js';
import { loadConfig } from '../../src/config.js';
import { type FhirStore, loadStore } from '../../src/demo/fhir-store.js';
import { FIXTURE_ANCHOR } from '../../src/demo/rebase.js';
import { SHARED_DIR } from './shared.js';
import { RULES } from '../../src/rules/index.js';

/** "Now" for every test: the date the fixtures are written against. */
export const NOW = FIXTURE_ANCHOR;

/** The public base URL the test app believes it has. */
export const BASE_URL = 'https://cds.test.example';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fhir-fixtures/', import.meta.url));
/** The third-party FHIR corpus in the shared material (absent from a lone clone: see ./shared.ts). */
export const CORPUS_DIR = `${SHARED_DIR}corpus/`;

/** The fixture patients, dates as written. */
export function fixtureStore(): FhirStore {
  return loadStore(`${FIXTURES_DIR}patients`);
}

/** The card templates, loaded and validated as at start-up. */
export const templates = loadTemplates(
  DEFAULT_CARDS_DIR,
  RULES.map((r) => r.id),
);

/** Builds the app as production code does, with test settings. */
export function testApp(
  env: Record<string, string> = {},
  demoStore?: FhirStore,
  now: Date = NOW,
  extra: Partial<AppDeps> = {},
): Express {
  const config = loadConfig({ NODE_ENV: 'test', CDS_PUBLIC_URL: BASE_URL, FHIR_TIMEOUT_MS: '1000', ...env });
  const logger = pino({ level: 'silent' });
  // With CDS_CLIENTS_FILE in env, authentication is on, as at start-up (without it, auth is off);
  // a demo issuer in `extra` is registered as one more client, as at start-up.
  const auth =
    extra.auth ??
    authFromConfig(config, logger, () => now, extra.demoIssuer ? [extra.demoIssuer.client] : []);
  return createApp({
    config,
    logger,
    ...(auth ? { auth } : {}),
    templates,
    now: () => now,
    ...(demoStore ? { demoStore } : {}),
    ...extra,
  });
}
