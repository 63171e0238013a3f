/**
 * The FHIR fallback never loses data silently: it asks for `_count` results a
 * page (FHIR_PAGE_SIZE, default 100); a key read only in part is named on the
 * cards whose rules read it; when the problem list or a medication list is
 * partial and no card names the gap, one `data-incomplete` card does; the hook
 * log line and `cds_partial_keys_total` count partial keys.
 *
 * The case found in review: a Synthea patient with 219 Conditions, a FHIR
 * server that pages 10 at a time, the RLS diagnosis on page 22.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Condition, FhirResource } from 'fhir/r4.js';
import request from 'supertest';
import { PREFETCH_QUERIES } from '../../src/protocol/prefetch-catalog.js';
import type { Card } from '../../src/protocol/types.js';
import { RULES } from '../../src/rules/index.js';
import { RULE_READS, readsOf } from '../../src/rules/reads.js';
import { type DemoFhirOptions, demoFhirRouter } from '../../src/demo/fhir-server.js';
import { storeOf } from '../../src/demo/fhir-store.js';
import { prefetchFor } from '../../scripts/fixtures/requests.js';
import { isResource } from '../../src/fhir/resources.js';
import { fixtureStore } from '../helpers/app.js';
import { ruleIds } from '../helpers/cards.js';
import { rlsCondition } from '../helpers/fhir.js';
import { SHARED_DIR, describeShared } from '../helpers/shared.js';
import { harness } from '../ops/harness.js';

const BULK = 'corpus/synthea/smart-sample-bulk-fhir-10-patients/';
const PATIENT = '79a66c97-6131-3213-f3c9-4606946ab056';
const PARTIAL_CONDITIONS =
  'the problem list and diagnoses (Condition): only the first pages of the results were read';

/** A FHIR server on loopback over `resources`; records the URLs it was asked for. */
async function fhirServer(
  resources: readonly FhirResource[],
  options: DemoFhirOptions,
): Promise<{ base: string; asked: string[]; close: () => Promise<void> }> {
  const asked: string[] = [];
  const app = express();
  app.use((req, _res, next) => {
    asked.push(req.originalUrl);
    next();
  });
  app.use('/fhir', demoFhirRouter(storeOf(resources), options));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function patientView(patientId: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: '5d0c8f3e-9a51-4c39-8f0e-2b7e6a1f0001',
    context: { userId: 'Practitioner/1', patientId },
    ...extra,
  };
}

describeShared(BULK, 'a Synthea patient with 219 Conditions, the RLS diagnosis on page 22', () => {
  let cached: FhirResource[] | undefined;
  /** The patient's records from the bulk NDJSON, the 219th Condition replaced by an RLS diagnosis. */
  function records(): FhirResource[] {
    cached ??= load();
    return cached;
  }
  function load(): FhirResource[] {
    const dir = `${SHARED_DIR}${BULK}`;
    const all = readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) =>
        readFileSync(`${dir}${f}`, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as unknown)
          .filter(isResource),
      )
      // The Patient and its Conditions (its 1000+ other records are not what this case is about).
      .filter(
        (r) =>
          (r.resourceType === 'Patient' && r.id === PATIENT) ||
          (r.resourceType === 'Condition' && r.subject.reference === `Patient/${PATIENT}`),
      );
    const conditions = all.filter((r): r is Condition => r.resourceType === 'Condition');
    expect(conditions).toHaveLength(219);
    const last = conditions[218] as Condition;
    const rls = { ...rlsCondition(PATIENT), id: last.id ?? 'rls' };
    return all.map((r) => (r === last ? rls : r));
  }

  test('a server that pages 10 at a time: 10 pages read, RLS unseen, one data-incomplete card says so; log and metric count it', async () => {
    const server = await fhirServer(records(), { pageSize: 10, maxPageSize: 10 });
    try {
      const h = harness({ env: { FHIR_TIMEOUT_MS: '20000' } });
      const res = await request(h.app)
        .post('/cds-services/rls-patient-view')
        .send(patientView(PATIENT, { fhirServer: server.base }))
        .expect(200);
      const cards = (res.body as { cards: Card[] }).cards;
      expect(ruleIds(cards)).toEqual(['data-incomplete']);
      const card = cards[0] as Card;
      expect(card.indicator).toBe('info');
      expect(card.summary).toBe(
        'Only part of the problem list could be read: restless legs syndrome checks were not complete for this patient',
      );
      expect(card.detail).toContain(PARTIAL_CONDITIONS);
      // The fallback asked for 100 a page; the server gave 10, and paging stopped at FHIR_MAX_PAGES (10).
      const conditionPages = server.asked.filter((u) => u.startsWith('/fhir/Condition'));
      expect(conditionPages[0]).toContain('_count=100');
      expect(conditionPages).toHaveLength(10);
      const line = h.lines().find((l) => l.msg === 'hook call');
      expect(line).toMatchObject({ partialKeys: 1, partial: [{ key: 'conditions', reason: 'page-limit' }] });
      const metrics = (await request(h.app).get('/metrics').expect(200)).text;
      expect(metrics).toContain('cds_partial_keys_total{key="conditions",reason="page-limit"} 1');
    } finally {
      await server.close();
    }
  }, 60_000);

  test('a server that honours _count=100: three pages, the RLS diagnosis is found, nothing is partial', async () => {
    const server = await fhirServer(records(), { pageSize: 10, maxPageSize: 100 });
    try {
      const h = harness({ env: { FHIR_TIMEOUT_MS: '20000' } });
      const res = await request(h.app)
        .post('/cds-services/rls-patient-view')
        .send(patientView(PATIENT, { fhirServer: server.base }))
        .expect(200);
      const cards = (res.body as { cards: Card[] }).cards;
      expect(ruleIds(cards)).not.toContain('data-incomplete');
      // No iron studies on file for this patient: with RLS seen, the iron card asks for them.
      expect(ruleIds(cards)).toContain('iron-studies-due');
      expect(server.asked.filter((u) => u.startsWith('/fhir/Condition'))).toHaveLength(3);
      expect(h.lines().find((l) => l.msg === 'hook call')?.partial).toBeUndefined();
    } finally {
      await server.close();
    }
  }, 60_000);

  test('FHIR_PAGE_SIZE sets the _count sent', async () => {
    const server = await fhirServer(records(), { pageSize: 10, maxPageSize: 1000 });
    try {
      const h = harness({ env: { FHIR_PAGE_SIZE: '250', FHIR_TIMEOUT_MS: '20000' } });
      await request(h.app)
        .post('/cds-services/rls-patient-view')
        .send(patientView(PATIENT, { fhirServer: server.base }))
        .expect(200);
      const conditionPages = server.asked.filter((u) => u.startsWith('/fhir/Condition'));
      expect(conditionPages).toHaveLength(1);
      expect(conditionPages[0]).toContain('_count=250');
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('partial keys on the cards that read them', () => {
  const store = fixtureStore();
  const NEXT = 'https://ehr.example.org/fhir/Observation?page=2';
  const PARTIAL_IRON =
    'iron studies: ferritin, transferrin saturation, serum iron and TIBC (Observation): only the first page of the results was sent and no fhirServer was given';

  function withNext(prefetch: Record<string, unknown>, key: string): Record<string, unknown> {
    const bundle = prefetch[key] as Record<string, unknown>;
    return { ...prefetch, [key]: { ...bundle, link: [{ relation: 'next', url: NEXT }] } };
  }

  test('iron studies partial: the iron card names it, the agonist review card (which does not read iron) does not', async () => {
    const prefetch = withNext(prefetchFor(store, 'rls-patient-view', 'rls-low-ferritin'), 'ironStudies');
    const res = await request(harness().app)
      .post('/cds-services/rls-patient-view')
      .send(patientView('rls-low-ferritin', { prefetch }))
      .expect(200);
    const cards = (res.body as { cards: Card[] }).cards;
    expect(ruleIds(cards)).toEqual(['iron-not-optimized', 'dopamine-agonist-review']);
    const [iron, review] = cards as [Card, Card];
    expect(iron.detail).toContain(PARTIAL_IRON);
    expect(review.detail).not.toContain('iron studies: ferritin');
    // Iron studies do not decide whether any rule applies: no data-incomplete card.
    expect(ruleIds(cards)).not.toContain('data-incomplete');
  });

  test('medication orders partial: every card names it once, and no data-incomplete card repeats it', async () => {
    const prefetch = withNext(
      prefetchFor(store, 'rls-patient-view', 'rls-low-ferritin'),
      'medicationRequests',
    );
    const res = await request(harness().app)
      .post('/cds-services/rls-patient-view')
      .send(patientView('rls-low-ferritin', { prefetch }))
      .expect(200);
    const cards = (res.body as { cards: Card[] }).cards;
    expect(ruleIds(cards)).not.toContain('data-incomplete');
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) {
      const mentions =
        (card.detail ?? '').split('medication orders of any status (MedicationRequest): only').length - 1;
      expect([card.source.topic.code, mentions]).toEqual([card.source.topic.code, 1]);
    }
  });

  test('problem list partial and no RLS in what was read: one data-incomplete card, no other', async () => {
    const prefetch = withNext(prefetchFor(store, 'rls-patient-view', 'no-rls'), 'conditions');
    const res = await request(harness().app)
      .post('/cds-services/rls-patient-view')
      .send(patientView('no-rls', { prefetch }))
      .expect(200);
    const cards = (res.body as { cards: Card[] }).cards;
    expect(ruleIds(cards)).toEqual(['data-incomplete']);
    expect(cards[0]?.detail).toContain(
      'the problem list and diagnoses (Condition): only the first page of the results was sent and no fhirServer was given',
    );
  });

  test('complete data never draws data-incomplete', async () => {
    const res = await request(harness().app)
      .post('/cds-services/rls-patient-view')
      .send(patientView('no-rls', { prefetch: prefetchFor(store, 'rls-patient-view', 'no-rls') }))
      .expect(200);
    expect((res.body as { cards: Card[] }).cards).toEqual([]);
  });
});

test('every registered rule says which prefetch keys it reads, and they are catalog keys', () => {
  for (const rule of RULES) {
    expect([rule.id, Object.prototype.hasOwnProperty.call(RULE_READS, rule.id)]).toEqual([rule.id, true]);
    for (const key of readsOf(rule.id)) expect(Object.keys(PREFETCH_QUERIES)).toContain(key);
  }
});
