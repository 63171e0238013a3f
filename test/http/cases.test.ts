import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import request from 'supertest';
import { SHARED_DIR, describeShared } from '../helpers/shared.js';
import { BASE_URL, FIXTURES_DIR, fixtureStore, templates, testApp } from '../helpers/app.js';
import { viaFallback } from '../helpers/fhir.js';
import { cardProblems, deleteTargetProblems, ruleIds } from '../helpers/cards.js';
import { loadCases } from '../../scripts/fixtures/cases.js';
import { demoFhirRouter } from '../../src/demo/fhir-server.js';
import { allFixtureRequests } from '../../scripts/fixtures/requests.js';
import { RULES } from '../../src/rules/index.js';
import type { Card } from '../../src/protocol/types.js';

// The case table (fhir-fixtures/cases.yaml) drives these tests: every case, on every hook it names,
// through HTTP, once with full prefetch and once through the FHIR fallback.
const cases = loadCases(`${FIXTURES_DIR}cases.yaml`);
const store = fixtureStore();
const requests = allFixtureRequests(store, cases);
// A generous FHIR time-out: these tests check cards, not timing, and must not flake on a loaded machine.
const app = testApp({ FHIR_TIMEOUT_MS: '10000' });
const SERVICE = {
  'patient-view': 'rls-patient-view',
  'order-select': 'rls-order-select',
  'order-sign': 'rls-order-sign',
};
const TOKEN = 'cases-fallback-token';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const runs = cases.flatMap((c) => c.hooks.map((hook) => ({ c, hook, file: `${c.name}--${hook}.json` })));

async function post(body: Record<string, unknown>): Promise<Card[]> {
  const res = await request(app)
    .post(`/cds-services/${SERVICE[body.hook as keyof typeof SERVICE]}`)
    .send(body)
    .expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  for (const card of cards) {
    expect(cardProblems(card, BASE_URL)).toEqual([]);
    expect(deleteTargetProblems(card, body)).toEqual([]);
  }
  return cards;
}

let server: Server;
let fhirBase = '';
beforeAll(async () => {
  const fhir = express();
  fhir.use('/fhir', demoFhirRouter(store, { pageSize: 4, maxPageSize: 4, requiredToken: TOKEN }));
  server = fhir.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  fhirBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test('the committed request fixtures are exactly what the case table generates (run `npm run fixtures`)', () => {
  const dir = `${FIXTURES_DIR}requests/`;
  expect(readdirSync(dir).sort()).toEqual(Object.keys(requests).sort());
  for (const [name, body] of Object.entries(requests)) {
    expect([name, JSON.parse(readFileSync(`${dir}${name}`, 'utf8'))]).toEqual([
      name,
      JSON.parse(JSON.stringify(body)),
    ]);
  }
});

test.each(runs)('$file: with full prefetch the cards are exactly the expected ones', async ({ c, file }) => {
  const body = requests[file];
  expect(body).toBeDefined();
  const cards = await post(body ?? {});
  expect(ruleIds(cards)).toEqual(c.cards);
  if (c.indicators) expect(cards.map((card) => card.indicator)).toEqual(c.indicators);
});

test.each(runs)(
  '$file: through the FHIR fallback (paged, token) the cards are the same',
  async ({ c, file }) => {
    const body = requests[file] ?? {};
    const fallback = viaFallback(body, fhirBase, TOKEN);
    expect(ruleIds(await post(fallback))).toEqual(c.fallbackCards ?? c.cards);
  },
);

// The project's own rule reference (docs/rules.md, generated from the code): every rule it lists is
// registered and has a template, a firing case and a boundary case.
describe('coverage of the rule reference', () => {
  const referenceIds = [
    ...readFileSync(`${ROOT}docs/rules.md`, 'utf8').matchAll(/^\| `([a-z0-9-]+)`\s+\|/gm),
  ].map((m) => m[1] ?? '');
  const registered = RULES.map((r) => r.id);

  test('the reference lists every registered rule', () => {
    expect(referenceIds.length).toBeGreaterThanOrEqual(21);
    expect(referenceIds).toEqual(registered);
  });

  test.each(referenceIds.map((id) => [id]))(
    '%s is registered, has a template, a firing case and a boundary case',
    (id) => {
      expect(registered).toContain(id);
      expect(templates.has(id)).toBe(true);
      expect(cases.filter((c) => c.cards.includes(id)).map((c) => c.name)).not.toEqual([]);
      expect(cases.filter((c) => c.boundaryFor?.includes(id)).map((c) => c.name)).not.toEqual([]);
    },
  );
});

// The clinical contract (the shared rule catalog) against what is registered.
describeShared('docs/rules.md', 'coverage of the rule catalog', () => {
  const catalogFile = `${SHARED_DIR}docs/rules.md`;
  // A row's id may carry the mark of the catalog version that added it: | `levodopa-new-start` **v2** |
  const rows = existsSync(catalogFile)
    ? [...readFileSync(catalogFile, 'utf8').matchAll(/^\| `([a-z0-9-]+)`( \*\*v2\*\*)? \|/gm)]
    : [];
  const catalogIds = rows.map((m) => m[1] ?? '');
  const v1Ids = rows.filter((m) => !m[2]).map((m) => m[1] ?? '');
  const registered = RULES.map((r) => r.id);

  test('the catalog is readable and lists the rule ids', () => {
    expect(v1Ids.length).toBeGreaterThanOrEqual(21);
    expect(catalogIds).toEqual(expect.arrayContaining(['levodopa-new-start', 'exacerbating-drug-order']));
  });

  test('every rule id of catalog v1 is registered', () => {
    expect(v1Ids.filter((id) => !registered.includes(id))).toEqual([]);
  });

  test('every registered rule is in the catalog', () => {
    expect(registered.filter((id) => !catalogIds.includes(id))).toEqual([]);
  });
});
