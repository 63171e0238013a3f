/**
 * Writes fhir-fixtures/requests/*.json from the fixture patients (`npm run fixtures`).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadStore } from '../src/demo/fhir-store.js';
import { loadCases } from './fixtures/cases.js';
import { allFixtureRequests } from './fixtures/requests.js';

const root = fileURLToPath(new URL('../fhir-fixtures/', import.meta.url));
const store = loadStore(`${root}patients`);
rmSync(`${root}requests`, { recursive: true, force: true });
mkdirSync(`${root}requests`, { recursive: true });
const requests = allFixtureRequests(store, loadCases(`${root}cases.yaml`));
for (const [name, body] of Object.entries(requests)) {
  writeFileSync(`${root}requests/${name}`, `${JSON.stringify(body, null, 2)}\n`);
}
process.stdout.write(`wrote ${Object.keys(requests).length} requests to fhir-fixtures/requests/\n`);
