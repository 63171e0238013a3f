/**
 * Production refuses settings that open the service up: the demo FHIR
 * server and EHR simulator (unauthenticated routes, DEMO_FHIR=true), and an
 * admin token that is short or made of a few repeated characters; and an
 * app built without the patient-key secret.
 */
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { authFromConfig } from '../../src/auth/index.js';
import { adminTokenProblem, loadConfig } from '../../src/config.js';
import { templates } from '../helpers/app.js';
import { NOW, PATIENT_KEY_SECRET, writeClientsFile } from './helpers.js';

const clientsFile = writeClientsFile([
  { iss: 'https://ehr.example', jwksUrl: 'https://ehr.example/jwks', fhirServers: [] },
]);
const production = (extra: Record<string, string>) =>
  loadConfig({ NODE_ENV: 'production', CDS_CLIENTS_FILE: clientsFile, ...extra });

describe('DEMO_FHIR', () => {
  test('DEMO_FHIR=true is refused in production, naming the variable; false and unset are accepted', () => {
    expect(() => production({ DEMO_FHIR: 'true' })).toThrow(/DEMO_FHIR: not allowed in production/);
    expect(() => production({ DEMO_FHIR: '1' })).toThrow(/DEMO_FHIR: not allowed in production/);
    expect(production({ DEMO_FHIR: 'false' }).demoFhir).toBe(false);
    expect(production({}).demoFhir).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', DEMO_FHIR: 'true' }).demoFhir).toBe(true);
  });
});

describe('CDS_ADMIN_TOKEN in production', () => {
  const strong = 'f3a9c0d27b1e4c58a6d9e0f1b2c3d4e5';

  test.each([
    ['one repeated character, 64 long', 'a'.repeat(64), /too little entropy/],
    ['two characters alternating, 40 long', 'ab'.repeat(20), /too little entropy/],
    ['31 characters', strong.slice(0, 31), /at least 32 characters/],
  ])('refuses %s', (_name, token, message) => {
    expect(adminTokenProblem(token)).toMatch(message);
    expect(() => production({ CDS_ADMIN_TOKEN: token })).toThrow(/CDS_ADMIN_TOKEN: /);
  });

  test('accepts a random 32-character token, and outside production the 16-character minimum still applies', () => {
    expect(strong).toHaveLength(32);
    expect(adminTokenProblem(strong)).toBeUndefined();
    expect(production({ CDS_ADMIN_TOKEN: strong }).adminToken).toBe(strong);
    expect(loadConfig({ NODE_ENV: 'development', CDS_ADMIN_TOKEN: 'a'.repeat(16) }).adminToken).toBe(
      'a'.repeat(16),
    );
    expect(() => loadConfig({ CDS_ADMIN_TOKEN: 'short' })).toThrow(/CDS_ADMIN_TOKEN: must be at least 16/);
  });
});

describe('CDS_PATIENT_KEY_SECRET in production', () => {
  test('an app built in production without the patient-key secret refuses to start, naming the variable', () => {
    const config = production({});
    const logger = pino({ level: 'silent' });
    const auth = authFromConfig(config, logger, () => NOW);
    expect(() => createApp({ config, logger, templates, ...(auth ? { auth } : {}) })).toThrow(
      /CDS_PATIENT_KEY_SECRET: required in production/,
    );
    const withSecret = production({ CDS_PATIENT_KEY_SECRET: PATIENT_KEY_SECRET });
    const authWithSecret = authFromConfig(withSecret, logger, () => NOW);
    expect(() =>
      createApp({
        config: withSecret,
        logger,
        templates,
        ...(authWithSecret ? { auth: authWithSecret } : {}),
      }),
    ).not.toThrow();
  });
});
