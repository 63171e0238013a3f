/**
 * An in-memory FHIR store loaded from Bundles (the demo fixtures, or test data).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { bundleResources, isOfType } from '../fhir/resources.js';
import { shiftDates } from './rebase.js';

/** Resources by type, then by id. */
export type FhirStore = ReadonlyMap<string, ReadonlyMap<string, FhirResource>>;

/** Builds a store from resources (Bundles are unpacked). */
export function storeOf(resources: readonly FhirResource[]): FhirStore {
  const store = new Map<string, Map<string, FhirResource>>();
  const add = (r: FhirResource): void => {
    if (r.resourceType === 'Bundle') {
      bundleResources(r).forEach(add);
      return;
    }
    if (!r.id) return;
    const byId = store.get(r.resourceType) ?? new Map<string, FhirResource>();
    byId.set(r.id, r);
    store.set(r.resourceType, byId);
  };
  resources.forEach(add);
  return store;
}

/** Loads every `*.json` Bundle in a folder into a store, moving dates by `shiftDays` (see rebase.ts). */
export function loadStore(dir: string, shiftDays = 0): FhirStore {
  const bundles: Bundle[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const json: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (isOfType(json, 'Bundle')) bundles.push(shiftDates(json, shiftDays));
  }
  return storeOf(bundles);
}
