/**
 * Alert-fatigue control over HTTP: a card the clinician overrode or accepted
 * is not shown again for the same patient and the same facts, within the
 * bounds of its indicator; new facts, another draft, another client or the
 * end of the bound show it again; the response, the hook log and /metrics
 * say what was held back; and a store outage shows every card. (That the
 * SQLite file holds no raw patient id: store-over-http.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import type { Card } from '../../src/protocol/types.js';
import { loadConfig } from '../../src/config.js';
import { type Operations, createOperations } from '../../src/ops/operations.js';
import { memoryStore, openStore } from '../../src/store/open.js';
import type { OpsStore } from '../../src/store/types.js';
import { SUPPRESSION_EXTENSION } from '../../src/suppression/extension.js';
import { BASE_URL, FIXTURES_DIR, NOW, templates } from '../helpers/app.js';
import { lab } from '../helpers/fhir.js';
import { ironCall } from './harness.js';
import { describePostgres, freshSchema } from './pg.js';

const SECRET = 'a-test-secret-of-at-least-32-characters-0123';
const DAY = 86_400_000;
const IRON = 'iron-not-optimized';
const CRITICAL = 'dopamine-agonist-dose-increase';

interface Body {
  cards: Card[];
  extension?: Record<string, { count: number; ruleIds: string[]; cards: Record<string, unknown>[] }>;
}

interface Service {
  readonly app: Express;
  readonly ops: Operations;
  readonly clock: { now: Date };
  readonly lines: () => Record<string, unknown>[];
}

function service(options: { store?: OpsStore; env?: Record<string, string> } = {}): Service {
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured += chunk.toString('utf8');
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const config = loadConfig({
    NODE_ENV: 'test',
    CDS_PUBLIC_URL: BASE_URL,
    CDS_PATIENT_KEY_SECRET: SECRET,
    ...options.env,
  });
  const ops = createOperations({
    logger,
    ...(options.store ? { store: options.store } : {}),
    retryDelayMs: () => 20,
  });
  const clock = { now: NOW };
  const app = createApp({ config, logger, templates, now: () => clock.now, ops });
  return {
    app,
    ops,
    clock,
    lines: () =>
      captured
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function call(s: Service, path: string, body: Record<string, unknown>): Promise<Body> {
  const res = await request(s.app).post(path).send(body).expect(200);
  expect(await s.ops.cardLog.flush(2000)).toBe(0);
  expect(await s.ops.suppressedLog.flush(2000)).toBe(0);
  return res.body as Body;
}

const PV = '/cds-services/rls-patient-view';
const rules = (b: Body): string[] => b.cards.map((c) => c.source.topic.code);
const cardOf = (b: Body, rule: string): Card => {
  const card = b.cards.find((c) => c.source.topic.code === rule);
  if (!card) throw new Error(`no ${rule} card in ${JSON.stringify(rules(b))}`);
  return card;
};

async function feedback(
  s: Service,
  path: string,
  card: Card,
  outcome: 'overridden' | 'accepted',
  reasonCode?: string,
): Promise<void> {
  const reason = card.overrideReasons?.find((r) => r.code === reasonCode);
  if (reasonCode && !reason) throw new Error(`no override reason ${reasonCode}`);
  const entry = {
    card: card.uuid,
    outcome,
    outcomeTimestamp: s.clock.now.toISOString(),
    ...(outcome === 'accepted'
      ? { acceptedSuggestions: [{ id: card.suggestions?.[0]?.uuid ?? 'none' }] }
      : {}),
    ...(reason ? { overrideReason: { reason } } : {}),
  };
  const res = await request(s.app)
    .post(`${path}/feedback`)
    .send({ feedback: [entry] })
    .expect(200);
  expect(res.body).toEqual({ received: 1, recorded: 1 });
}

/** The iron call with one ferritin value changed. */
function ironCallWithFerritin(patientId: string, ferritin: number): Record<string, unknown> {
  const body = ironCall(patientId);
  const prefetch = body.prefetch as Record<string, unknown>;
  prefetch.ironStudies = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      { resource: lab(patientId, 'f1', '2276-4', ferritin, 'ng/mL', '2026-10-01T08:00:00Z') },
      { resource: lab(patientId, 't1', '2502-3', 25, '%', '2026-10-01T08:00:00Z') },
    ],
  };
  return body;
}

const later = (s: Service, ms: number): void => {
  s.clock.now = new Date(s.clock.now.getTime() + ms);
};

const metric = async (s: Service, series: string): Promise<number | undefined> => {
  const text = (await request(s.app).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('after an override (warning card: iron not optimized)', () => {
  test('the same patient with the same facts does not see the card again, and the response, log and metric say so', async () => {
    const s = service();
    const first = await call(s, PV, ironCall('p-1'));
    await feedback(s, PV, cardOf(first, IRON), 'overridden', 'iv-iron-given');
    later(s, DAY);
    const again = await call(s, PV, ironCall('p-1'));
    expect(rules(again)).not.toContain(IRON);
    expect(again.extension?.[SUPPRESSION_EXTENSION]).toEqual({
      count: 1,
      ruleIds: [IRON],
      cards: [
        {
          ruleId: IRON,
          indicator: 'warning',
          outcome: 'overridden',
          answeredAt: NOW.toISOString(),
          reason: { code: 'iv-iron-given', display: 'IV iron given recently, recheck pending' },
          until: new Date(NOW.getTime() + 30 * DAY).toISOString(),
        },
      ],
    });
    expect(JSON.stringify(again.extension)).not.toContain('p-1');
    const line = s
      .lines()
      .filter((l) => l.msg === 'hook call')
      .at(-1);
    expect(line).toMatchObject({ suppressed: { [IRON]: 1 } });
    expect(await metric(s, `cds_cards_suppressed_total{rule="${IRON}"}`)).toBe(1);
  });

  test('another patient with the same values still sees the card', async () => {
    const s = service();
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden');
    expect(rules(await call(s, PV, ironCall('p-2')))).toContain(IRON);
  });

  test('a new lab value fires the card again at once', async () => {
    const s = service();
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden', 'iv-iron-given');
    const changed = await call(s, PV, ironCallWithFerritin('p-1', 38));
    expect(rules(changed)).toContain(IRON);
    expect(changed.extension).toBeUndefined();
  });

  test('the warning bound is 30 days: held on day 29, shown on day 30', async () => {
    const s = service();
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden');
    later(s, 30 * DAY - 1);
    expect(rules(await call(s, PV, ironCall('p-1')))).not.toContain(IRON);
    later(s, 1);
    expect(rules(await call(s, PV, ironCall('p-1')))).toContain(IRON);
  });

  test('SUPPRESS_WARNING_DAYS changes the bound', async () => {
    const s = service({ env: { SUPPRESS_WARNING_DAYS: '7' } });
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden');
    later(s, 6 * DAY);
    expect(rules(await call(s, PV, ironCall('p-1')))).not.toContain(IRON);
    later(s, DAY);
    expect(rules(await call(s, PV, ironCall('p-1')))).toContain(IRON);
  });

  test('SUPPRESSION=false shows every card', async () => {
    const s = service({ env: { SUPPRESSION: 'false' } });
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden');
    const again = await call(s, PV, ironCall('p-1'));
    expect(rules(again)).toContain(IRON);
    expect(again.extension).toBeUndefined();
  });

  test('an EHR clock in the future cannot stretch the bound', async () => {
    const s = service();
    const card = cardOf(await call(s, PV, ironCall('p-1')), IRON);
    const entry = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2027-06-01T00:00:00Z' };
    await request(s.app)
      .post(`${PV}/feedback`)
      .send({ feedback: [entry] })
      .expect(200);
    later(s, 30 * DAY);
    expect(rules(await call(s, PV, ironCall('p-1')))).toContain(IRON);
  });

  test('the request extension shows the card anyway for that call only', async () => {
    const s = service();
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden');
    const anyway = await call(
      s,
      PV,
      ironCall('p-1', { extension: { [SUPPRESSION_EXTENSION]: { disable: true } } }),
    );
    expect(rules(anyway)).toContain(IRON);
    expect(anyway.extension).toBeUndefined();
    expect(rules(await call(s, PV, ironCall('p-1')))).not.toContain(IRON);
  });

  test('a malformed request extension gets 400 naming it', async () => {
    const s = service();
    const res = await request(s.app)
      .post(PV)
      .send(ironCall('p-1', { extension: { [SUPPRESSION_EXTENSION]: { disable: 'yes' } } }))
      .expect(400);
    expect(res.body).toMatchObject({
      issue: [{ expression: [`extension.${SUPPRESSION_EXTENSION}.disable`] }],
    });
  });

  test("one client's feedback is never remembered for another client or tenant", async () => {
    const store = memoryStore();
    const a = { iss: 'https://ehr-a.example', tenant: 'ward-1' };
    const b = { iss: 'https://ehr-a.example', tenant: 'ward-2' };
    await store.recordCards([
      {
        cardUuid: 'c1',
        serviceId: 'rls-patient-view',
        ruleId: IRON,
        indicator: 'warning',
        hookInstance: 'h1',
        client: a,
        issuedAt: NOW,
        patientHash: 'patient-hash',
        factsHash: 'facts-hash',
        sessionHash: 'session-hash',
      },
    ]);
    await store.recordFeedback([
      {
        serviceId: 'rls-patient-view',
        cardUuid: 'c1',
        client: a,
        outcome: 'overridden',
        acceptedSuggestions: [],
        outcomeAt: NOW,
        receivedAt: NOW,
      },
    ]);
    expect(await store.findingMemory(a, 'patient-hash', [IRON])).toEqual([
      expect.objectContaining({ cardUuid: 'c1', factsHash: 'facts-hash', outcome: 'overridden' }),
    ]);
    expect(await store.findingMemory(b, 'patient-hash', [IRON])).toEqual([]);
    await store.close();
  });
});

describe('reasons a rule declares "do not suppress"', () => {
  test('an override with such a reason shows the card again at once', async () => {
    const s = service();
    const esrdCall = JSON.parse(
      readFileSync(join(FIXTURES_DIR, 'requests/rls-esrd-pregabalin--patient-view.json'), 'utf8'),
    ) as Record<string, unknown>;
    const first = await call(s, PV, esrdCall);
    const card = first.cards.find((c) => templates.get(c.source.topic.code)?.doNotSuppress?.length);
    if (!card) throw new Error(`no card with doNotSuppress reasons in ${JSON.stringify(rules(first))}`);
    const rule = card.source.topic.code;
    const code = templates.get(rule)?.doNotSuppress?.[0] as string;
    await feedback(s, PV, card, 'overridden', code);
    expect(rules(await call(s, PV, esrdCall))).toContain(rule);
    const other = card.overrideReasons?.find((r) => r.code !== code)?.code as string;
    const second = cardOf(await call(s, PV, esrdCall), rule);
    later(s, 1000);
    await feedback(s, PV, second, 'overridden', other);
    expect(rules(await call(s, PV, esrdCall))).not.toContain(rule);
  });
});

describe('after an acceptance', () => {
  test('the card is held until the facts change, past any override bound', async () => {
    const s = service();
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'accepted');
    later(s, 120 * DAY);
    const held = await call(s, PV, ironCall('p-1'));
    expect(rules(held)).not.toContain(IRON);
    expect(held.extension?.[SUPPRESSION_EXTENSION]?.cards[0]).toMatchObject({ outcome: 'accepted' });
    expect(held.extension?.[SUPPRESSION_EXTENSION]?.cards[0]).not.toHaveProperty('until');
    expect(rules(await call(s, PV, ironCallWithFerritin('p-1', 30)))).toContain(IRON);
  });
});

describe('critical cards are held only within the ordering session', () => {
  const fixture = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(join(FIXTURES_DIR, `requests/${name}.json`), 'utf8')) as Record<string, unknown>;
  const SELECT = '/cds-services/rls-order-select';
  const SIGN = '/cds-services/rls-order-sign';

  /** The same order with the draft under another id: a new draft. */
  function withDraftId(body: Record<string, unknown>, id: string): Record<string, unknown> {
    const text = JSON.stringify(body).replaceAll('draft-pramipexole-05', id);
    return JSON.parse(text) as Record<string, unknown>;
  }

  test('overridden at order-select: order-sign of the same draft is held; a new draft fires', async () => {
    const s = service();
    const select = await call(s, SELECT, fixture('pramipexole-dose-increase--order-select'));
    const card = cardOf(select, CRITICAL);
    expect(card.indicator).toBe('critical');
    await feedback(s, SELECT, card, 'overridden', 'temporary-increase');
    later(s, 60_000);
    const sign = await call(s, SIGN, fixture('pramipexole-dose-increase--order-sign'));
    expect(rules(sign)).not.toContain(CRITICAL);
    expect(sign.extension?.[SUPPRESSION_EXTENSION]?.cards[0]).toMatchObject({
      ruleId: CRITICAL,
      indicator: 'critical',
      until: new Date(NOW.getTime() + 24 * 3_600_000).toISOString(),
    });
    const newDraft = await call(
      s,
      SIGN,
      withDraftId(fixture('pramipexole-dose-increase--order-sign'), 'draft-2'),
    );
    expect(rules(newDraft)).toContain(CRITICAL);
  });

  test('another clinician, or the same draft a day later, sees the critical card again', async () => {
    const s = service();
    const select = fixture('pramipexole-dose-increase--order-select');
    await feedback(s, SELECT, cardOf(await call(s, SELECT, select), CRITICAL), 'overridden');
    const sign = fixture('pramipexole-dose-increase--order-sign');
    const otherUser = JSON.parse(
      JSON.stringify(sign).replaceAll('Practitioner/demo-prescriber', 'Practitioner/another-prescriber'),
    ) as Record<string, unknown>;
    expect(rules(await call(s, SIGN, otherUser))).toContain(CRITICAL);
    later(s, 24 * 3_600_000);
    expect(rules(await call(s, SIGN, sign))).toContain(CRITICAL);
  });
});

describe('when the store is down', () => {
  test('every card is shown and the failure is counted (store closed)', async () => {
    const store = memoryStore();
    const s = service({ store });
    await feedback(s, PV, cardOf(await call(s, PV, ironCall('p-1')), IRON), 'overridden');
    await store.close();
    const res = await request(s.app).post(PV).send(ironCall('p-1')).expect(200);
    expect(rules(res.body as Body)).toContain(IRON);
    expect(await metric(s, 'cds_store_failures_total{operation="suppression_lookup",reason="error"}')).toBe(
      1,
    );
    expect(s.lines().some((l) => l.msg === 'suppression: store lookup failed; every card shown')).toBe(true);
  });

  test('a store that hangs is given SUPPRESSION_LOOKUP_TIMEOUT_MS, then every card is shown', async () => {
    const base = memoryStore();
    const hanging: OpsStore = Object.assign(Object.create(base) as OpsStore, {
      findingMemory: () => new Promise<never>(() => undefined),
    });
    const s = service({ store: hanging, env: { SUPPRESSION_LOOKUP_TIMEOUT_MS: '50' } });
    const started = Date.now();
    const res = await request(s.app).post(PV).send(ironCall('p-1')).expect(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(rules(res.body as Body)).toContain(IRON);
    expect(await metric(s, 'cds_store_failures_total{operation="suppression_lookup",reason="timeout"}')).toBe(
      1,
    );
    await base.close();
  });
});

describePostgres('two replicas sharing PostgreSQL', () => {
  test('an override sent to one replica holds the card back on both', async () => {
    const schema = await freshSchema();
    const settings = { dataDir: '/nonexistent', databaseUrl: schema.url, databasePoolMax: 2 };
    const [storeA, storeB] = await Promise.all([openStore(settings), openStore(settings)]);
    try {
      const a = service({ store: storeA });
      const b = service({ store: storeB });
      const card = cardOf(await call(a, PV, ironCall('p-shared')), IRON);
      await feedback(b, PV, card, 'overridden', 'iv-iron-given');
      later(a, DAY);
      later(b, DAY);
      for (const replica of [a, b]) {
        const again = await call(replica, PV, ironCall('p-shared'));
        expect(rules(again)).not.toContain(IRON);
        expect(again.extension?.[SUPPRESSION_EXTENSION]?.ruleIds).toEqual([IRON]);
      }
      const outcomes = await storeA.dailyOutcomes(NOW, new Date(NOW.getTime() + 7 * DAY));
      expect(outcomes.filter((o) => o.kind === 'suppressed').reduce((n, o) => n + o.count, 0)).toBe(2);
    } finally {
      await Promise.all([storeA.close(), storeB.close()]);
      await schema.drop();
    }
  }, 30_000);
});
