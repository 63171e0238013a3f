/**
 * Writes fhir-fixtures/requests/*.json from the fixture patients (`npm run fixtures`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadStore } from '../src/demo/fhir-store.js';
import { allFixtureRequests } from '../src/demo/requests.js';

const root = fileURLToPath(new URL('../fhir-fixtures/', import.meta.url));
const store = loadStore(`${root}patients`);
mkdirSync(`${root}requests`, { recursive: true });
const requests = allFixtureRequests(store);
for (const [name, body] of Object.entries(requests)) {
  writeFileSync(`${root}requests/${name}`, `${JSON.stringify(body, null, 2)}\n`);
}
process.stdout.write(`wrote ${Object.keys(requests).length} requests to fhir-fixtures/requests/\n`);
