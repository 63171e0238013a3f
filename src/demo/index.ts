/**
 * The demo's only door: the demo FHIR server with the fixture patients and
 * the EHR simulator, loaded at start-up and mounted on the app when the demo
 * is on (never in production). Nothing else of the service imports the demo.
 */
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import type { Config } from '../config.js';
import { demoFhirRouter } from './fhir-server.js';
import { type FhirStore, loadStore } from './fhir-store.js';
import { type DemoIssuer, createDemoIssuer } from './issuer.js';
import { daysSinceAnchor } from './rebase.js';
import { simulatorRouter } from './simulator/router.js';

export type { FhirStore } from './fhir-store.js';
export type { DemoIssuer } from './issuer.js';

/** The fixture patients served by the demo FHIR server. */
const FIXTURE_PATIENTS = fileURLToPath(new URL('../../fhir-fixtures/patients/', import.meta.url));

/** What the demo serves: the patients and, with CDS_DEMO_ISSUER, the key that signs the simulator's calls. */
export interface Demo {
  readonly store?: FhirStore;
  readonly issuer?: DemoIssuer;
}

/**
 * Loads the demo for start-up: the fixture patients with their dates moved to
 * today when DEMO_FHIR is on, and the demo issuer (an in-memory key) when
 * CDS_DEMO_ISSUER is on. Empty when the demo is off.
 */
export async function loadDemo(config: Config, today: Date = new Date()): Promise<Demo> {
  return {
    ...(config.demoFhir ? { store: loadStore(FIXTURE_PATIENTS, daysSinceAnchor(today)) } : {}),
    ...(config.demoIssuer ? { issuer: await createDemoIssuer(config) } : {}),
  };
}

/** How the simulator is served. */
export interface DemoMount extends Demo {
  readonly now: () => Date;
  /** Folder of the built pages (default: dist/web). */
  readonly assetsDir?: string;
}

/**
 * Mounts the demo FHIR server at /demo/fhir and the EHR simulator at /demo
 * when the demo is on and has patients; answers whether it did.
 */
export function mountDemo(app: Express, config: Config, demo: DemoMount): boolean {
  if (!config.demoFhir || !demo.store) return false;
  app.use('/demo/fhir', demoFhirRouter(demo.store));
  app.use(
    '/demo',
    simulatorRouter({
      fhirServer: `${config.publicUrl}/demo/fhir`,
      publicUrl: config.publicUrl,
      now: demo.now,
      ...(demo.issuer ? { issuer: demo.issuer } : {}),
      ...(demo.assetsDir ? { assetsDir: demo.assetsDir } : {}),
    }),
  );
  return true;
}
