/**
 * Fault injection on the FHIR side: a real server on loopback that
 * hangs, fails, lies about JSON, pages forever, points elsewhere, sends 50 MB
 * or sends another patient's data. Every call must come back (within the
 * configured timeout plus a margin), with a 412 naming what is missing or the
 * cards the data supports, and the process must keep serving afterwards.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Card } from '../../src/cds-hooks/types.js';
import { BASE_URL, FIXTURES_DIR, fixtureStore, testApp } from '../helpers/app.js';
import { cardProblems, ruleIds } from '../helpers/cards.js';
import { lab } from '../helpers/fhir.js';
import {
  type MisbehavingFhir,
  bundleOf,
  hang,
  huge,
  malformedJson,
  paging,
  startMisbehavingFhir,
  status,
} from './misbehaving-fhir.js';

const TIMEOUT_MS = 2000;
/** Allowance on top of the FHIR timeout for the rest of the call (on a busy CI machine). */
const MARGIN_MS = 1500;
const MAX_PAGES = 4;

const store = fixtureStore();
const app = testApp({ FHIR_TIMEOUT_MS: String(TIMEOUT_MS), FHIR_MAX_PAGES: String(MAX_PAGES) });
let fhir: MisbehavingFhir;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  fhir = await startMisbehavingFhir(store);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await fhir.close();
});

beforeEach(() => {
  fhir.behaviours.clear();
  fhir.seen.length = 0;
});

type Body = Record<string, unknown> & { prefetch: Record<string, unknown> };

function fixture(name: string): Body {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${name}`, 'utf8')) as Body;
}

/** A fixture request whose `keys` must be fetched from the misbehaving server (all keys when none given). */
function fetching(name: string, keys?: readonly string[]): Body {
  const body = fixture(name);
  if (keys) for (const key of keys) delete body.prefetch[key];
  else delete (body as Partial<Body>).prefetch;
  return { ...body, fhirServer: fhir.base };
}

async function call(service: string, body: object) {
  const started = Date.now();
  const res = await request(app).post(`/cds-services/${service}`).send(body);
  return { res, ms: Date.now() - started };
}

function cardsOf(body: unknown): Card[] {
  const cards = (body as { cards: Card[] }).cards;
  for (const card of cards) expect(cardProblems(card, BASE_URL)).toEqual([]);
  return cards;
}

function issues(body: unknown): { diagnostics: string; expression: string[] }[] {
  return (body as { issue: { diagnostics: string; expression: string[] }[] }).issue;
}

/** The rule ids the fixture request gives with its full prefetch (what the data supports). */
async function expectedRuleIds(service: string, name: string): Promise<string[]> {
  const res = await request(app).post(`/cds-services/${service}`).send(fixture(name)).expect(200);
  return ruleIds(cardsOf(res.body));
}

test('a FHIR server that never answers: 412 within the timeout plus a margin, naming each key that timed out', async () => {
  for (const type of ['Patient', 'Condition', 'Observation', 'MedicationRequest', 'MedicationStatement'])
    fhir.behaviours.set(type, hang);
  fhir.behaviours.set('Procedure', hang);
  fhir.behaviours.set('DeviceUseStatement', hang);
  const { res, ms } = await call('rls-patient-view', fetching('rls-low-ferritin--patient-view.json'));
  expect(res.status).toBe(412);
  expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  const found = issues(res.body);
  expect(found.map((i) => i.expression[0])).toEqual(['prefetch.conditions', 'prefetch.ironStudies']);
  for (const issue of found) expect(issue.diagnostics).toMatch(/FHIR server: timed out\.$/);
});

test('a FHIR server that never answers for optional data: the cards the prefetch supports, saying what could not be checked', async () => {
  const name = 'oxycodone-untreated-osa--order-select.json';
  const expected = await expectedRuleIds('rls-order-select', name);
  fhir.behaviours.set('Procedure', hang);
  fhir.behaviours.set('DeviceUseStatement', hang);
  const { res, ms } = await call('rls-order-select', fetching(name, ['procedures', 'deviceUseStatements']));
  expect(res.status).toBe(200);
  expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  const cards = cardsOf(res.body);
  expect(ruleIds(cards)).toEqual(expected);
  const safety = cards.find((c) => c.source.topic.code === 'opioid-safety-checks');
  expect(safety?.detail).toContain(
    'procedures: OSA treatment and opioid-risk screening (Procedure) could not be obtained',
  );
  expect(safety?.detail).toContain(
    'devices in use, such as CPAP for sleep apnea (DeviceUseStatement) could not be obtained',
  );
});

test.each([500, 401, 404])(
  'a FHIR server answering %i for required data: 412 with the status as the reason',
  async (code) => {
    fhir.behaviours.set('Observation', status(code));
    const { res } = await call(
      'rls-patient-view',
      fetching('rls-low-ferritin--patient-view.json', ['ironStudies']),
    );
    expect(res.status).toBe(412);
    const [issue, ...rest] = issues(res.body);
    expect(rest).toEqual([]);
    expect(issue?.expression).toEqual(['prefetch.ironStudies']);
    expect(issue?.diagnostics).toContain(`FHIR server: HTTP ${code}.`);
  },
);

test('a FHIR server answering 500 for optional data: the cards of the data that came, the gap on the card that needs it', async () => {
  const name = 'oxycodone-untreated-osa--order-select.json';
  const expected = await expectedRuleIds('rls-order-select', name);
  fhir.behaviours.set('Procedure', status(500));
  const { res } = await call('rls-order-select', fetching(name, ['procedures']));
  expect(res.status).toBe(200);
  const cards = cardsOf(res.body);
  expect(ruleIds(cards)).toEqual(expected);
  expect(cards.find((c) => c.source.topic.code === 'opioid-safety-checks')?.detail).toContain(
    '(Procedure) could not be obtained',
  );
});

test('a FHIR server answering malformed JSON: 412 saying the response was not valid JSON', async () => {
  fhir.behaviours.set('Condition', malformedJson);
  const { res } = await call(
    'rls-patient-view',
    fetching('rls-low-ferritin--patient-view.json', ['conditions']),
  );
  expect(res.status).toBe(412);
  const [issue] = issues(res.body);
  expect(issue?.expression).toEqual(['prefetch.conditions']);
  expect(issue?.diagnostics).toContain('FHIR server: invalid JSON response.');
});

test('a Bundle whose next link points back at itself: read once more, then used as partial', async () => {
  fhir.behaviours.set(
    'Observation',
    paging((_page, base) => `${base}/Observation?patient=rls-low-ferritin&page=1`),
  );
  const { res, ms } = await call(
    'rls-patient-view',
    fetching('rls-low-ferritin--patient-view.json', ['ironStudies']),
  );
  expect(res.status).toBe(200);
  expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  expect(fhir.seen.filter((p) => p.startsWith('/fhir/Observation'))).toHaveLength(2);
  // No iron studies came back, so they are due; the loop is not mistaken for data.
  expect(ruleIds(cardsOf(res.body))).toContain('iron-studies-due');
  expect(ruleIds(cardsOf(res.body))).not.toContain('iron-not-optimized');
});

test('a Bundle whose next links go on forever: paging stops at FHIR_MAX_PAGES and the call answers', async () => {
  fhir.behaviours.set(
    'Observation',
    paging((page, base) => `${base}/Observation?patient=rls-low-ferritin&page=${page + 1}`),
  );
  const { res, ms } = await call(
    'rls-patient-view',
    fetching('rls-low-ferritin--patient-view.json', ['ironStudies']),
  );
  expect(res.status).toBe(200);
  expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  expect(fhir.seen.filter((p) => p.startsWith('/fhir/Observation'))).toHaveLength(MAX_PAGES);
  expect(ruleIds(cardsOf(res.body))).toContain('iron-studies-due');
});

test('a Bundle whose next link goes to another host: it is not followed, and the other host is never called', async () => {
  const elsewhere: string[] = [];
  const other: Server = createServer((req, res) => {
    elsewhere.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset' }));
  });
  other.listen(0, '127.0.0.1');
  await new Promise((resolve) => other.once('listening', resolve));
  const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}/fhir`;
  try {
    fhir.behaviours.set(
      'Observation',
      paging(() => `${otherBase}/Observation?patient=rls-low-ferritin&page=2`),
    );
    const { res } = await call(
      'rls-patient-view',
      fetching('rls-low-ferritin--patient-view.json', ['ironStudies']),
    );
    expect(res.status).toBe(200);
    expect(fhir.seen.filter((p) => p.startsWith('/fhir/Observation'))).toHaveLength(1);
    expect(elsewhere).toEqual([]);
    cardsOf(res.body);
  } finally {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
  }
});

test('a 50 MB response: cut off at the size limit, 412 saying it was too large, the call returns promptly', async () => {
  fhir.behaviours.set('Observation', huge(50));
  const { res, ms } = await call(
    'rls-patient-view',
    fetching('rls-low-ferritin--patient-view.json', ['ironStudies']),
  );
  expect(res.status).toBe(412);
  expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  const [issue] = issues(res.body);
  expect(issue?.expression).toEqual(['prefetch.ironStudies']);
  expect(issue?.diagnostics).toContain('FHIR server: response too large.');
});

describe('resources of another patient', () => {
  const patient = 'rls-no-iron-studies';
  const name = `${patient}--patient-view.json`;
  const lowIron = (subject: string) => [
    lab(subject, 'f-x', '2276-4', 12, 'ng/mL', '2026-10-20T08:00:00Z'),
    lab(subject, 't-x', '2502-3', 9, '%', '2026-10-20T08:00:00Z'),
  ];

  test('are ignored: another patient’s low iron does not fire the iron card', async () => {
    const expected = await expectedRuleIds('rls-patient-view', name);
    expect(expected).toContain('iron-studies-due');
    fhir.behaviours.set('Observation', bundleOf(lowIron('someone-else')));
    const { res } = await call('rls-patient-view', fetching(name, ['ironStudies']));
    expect(res.status).toBe(200);
    expect(ruleIds(cardsOf(res.body))).toEqual(expected);
  });

  test('(control) the same results for this patient do fire it', async () => {
    fhir.behaviours.set('Observation', bundleOf(lowIron(patient)));
    const { res } = await call('rls-patient-view', fetching(name, ['ironStudies']));
    expect(res.status).toBe(200);
    expect(ruleIds(cardsOf(res.body))).toContain('iron-not-optimized');
  });
});

test('after all of that, the process still serves: a fallback call through a well-behaved server gives the full cards', async () => {
  const name = 'rls-low-ferritin--patient-view.json';
  const expected = await expectedRuleIds('rls-patient-view', name);
  expect(expected).toEqual(['iron-not-optimized', 'dopamine-agonist-review']);
  const { res } = await call('rls-patient-view', fetching(name));
  expect(res.status).toBe(200);
  expect(ruleIds(cardsOf(res.body))).toEqual(expected);
  expect(fhir.seen.length).toBeGreaterThanOrEqual(8);
  expect(unhandled).toEqual([]);
});
