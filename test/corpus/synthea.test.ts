import { readFileSync, readdirSync } from 'node:fs';
import type { FhirResource } from 'fhir/r4.js';
import request from 'supertest';
import { BASE_URL, CORPUS_DIR, testApp } from '../helpers/app.js';
import { describeShared } from '../helpers/shared.js';
import { cardProblems, ruleIds } from '../helpers/cards.js';
import { rlsCondition } from '../helpers/fhir.js';
import { storeOf } from '../../src/demo/fhir-store.js';
import { patientViewRequest } from '../../scripts/fixtures/requests.js';
import { isResource } from '../../src/fhir/resources.js';
import type { Card } from '../../src/protocol/types.js';

// Third-party Synthea data (../shared/corpus/synthea): every patient goes through patient-view as prefetch.
const SYNTHEA = `${CORPUS_DIR}synthea/`;

function parse(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ''));
}

function corpusStores(): { name: string; resources: FhirResource[] }[] {
  const out: { name: string; resources: FhirResource[] }[] = [];
  for (const folder of readdirSync(SYNTHEA)) {
    const files = readdirSync(`${SYNTHEA}${folder}`);
    const ndjson = files.filter((f) => f.endsWith('.ndjson'));
    if (ndjson.length > 0) {
      const resources = ndjson.flatMap((f) =>
        readFileSync(`${SYNTHEA}${folder}/${f}`, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map(parse)
          .filter(isResource),
      );
      out.push({ name: `${folder} (bulk NDJSON)`, resources });
    }
    for (const f of files.filter((n) => n.endsWith('.json'))) {
      const json = parse(readFileSync(`${SYNTHEA}${folder}/${f}`, 'utf8'));
      if (isResource(json)) out.push({ name: `${folder}/${f}`, resources: [json] });
    }
  }
  return out;
}

describeShared('corpus/synthea', 'the Synthea corpus through patient-view', () => {
  const corpus = corpusStores();
  const app = testApp({}, undefined, new Date('2025-01-01T12:00:00Z'));

  test('the corpus is there: dozens of bundles and the bulk NDJSON set', () => {
    expect(corpus.length).toBeGreaterThan(50);
    expect(corpus.some((c) => c.name.includes('NDJSON'))).toBe(true);
  });

  test('every Synthea patient goes through patient-view with 200, valid cards and no RLS card (none has RLS)', async () => {
    let patients = 0;
    for (const { name, resources } of corpus) {
      const store = storeOf(resources);
      for (const patientId of store.get('Patient')?.keys() ?? []) {
        patients += 1;
        const res = await request(app)
          .post('/cds-services/rls-patient-view')
          .send(patientViewRequest(store, patientId));
        expect([name, res.status]).toEqual([name, 200]);
        const cards = (res.body as { cards: Card[] }).cards;
        for (const card of cards) expect(cardProblems(card, BASE_URL)).toEqual([]);
        expect([name, ruleIds(cards)]).toEqual([name, []]);
      }
    }
    expect(patients).toBeGreaterThan(60);
  }, 60_000);

  describe('the Synthea patient with two same-day iron panels that disagree (08:20 low, 20:25 normal)', () => {
    const file = corpus.find((c) => c.name.includes('california__b27685a2'));
    const patientId = 'b27685a2-0ccd-30cd-7c66-495ed97041fd';

    function withRls(drop?: (r: FhirResource) => boolean): ReturnType<typeof storeOf> {
      const resources = [...(file?.resources ?? []), rlsCondition(patientId)];
      const store = storeOf(resources);
      if (!drop) return store;
      return storeOf([...store.values()].flatMap((byId) => [...byId.values()]).filter((r) => !drop(r)));
    }

    test('given RLS, the latest panel by time (20:25, ferritin 111 ug/L) decides: no iron card', async () => {
      const res = await request(app)
        .post('/cds-services/rls-patient-view')
        .send(patientViewRequest(withRls(), patientId))
        .expect(200);
      expect(ruleIds((res.body as { cards: Card[] }).cards)).toEqual([]);
    });

    test('without the 20:25 panel, the 08:20 ferritin of 53 ug/L fires iron-not-optimized, read as ng/mL', async () => {
      const store = withRls(
        (r) => r.resourceType === 'Observation' && r.effectiveDateTime === '2024-09-17T20:25:32+00:00',
      );
      const res = await request(app)
        .post('/cds-services/rls-patient-view')
        .send(patientViewRequest(store, patientId))
        .expect(200);
      const cards = (res.body as { cards: Card[] }).cards;
      expect(ruleIds(cards)).toEqual(['iron-not-optimized']);
      expect(cards[0]?.detail).toContain('ferritin 53.43 ng/mL on 2024-09-17');
      expect(cards[0]?.detail).toContain('reported as 53.43 ug/L');
    });
  });
});
