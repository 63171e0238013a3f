/**
 * A small, known history for the governance report: two rules over two
 * weeks (Monday 2026-10-19 and Monday 2026-10-26), written straight into a
 * store, with the numbers the report must show written out by hand; and
 * the report scenario over HTTP that every store runs on it.
 */
import request from 'supertest';
import type { CardLogEntry, ClientKey, FeedbackRecord, OpsStore } from '../../src/store/types.js';
import { ADMIN_TOKEN, harness } from './harness.js';

/** The governance report's route (JSON; `.csv` for the CSV). */
export const REPORT = '/admin/governance';

const EHR: ClientKey = { iss: 'https://ehr.hospital-a.example', tenant: '' };

const card = (uuid: string, ruleId: string, day: string): CardLogEntry => ({
  cardUuid: uuid,
  serviceId: 'rls-patient-view',
  ruleId,
  indicator: 'warning',
  hookInstance: `h-${uuid}`,
  client: EHR,
  issuedAt: new Date(`${day}T10:00:00Z`),
});

const answer = (
  uuid: string,
  outcome: 'accepted' | 'overridden',
  day: string,
  reasonCode?: string,
): FeedbackRecord => ({
  serviceId: 'rls-patient-view',
  cardUuid: uuid,
  client: EHR,
  outcome,
  acceptedSuggestions: outcome === 'accepted' ? ['s-1'] : [],
  ...(reasonCode ? { overrideReasonCode: reasonCode } : {}),
  outcomeAt: new Date(`${day}T11:00:00Z`),
  receivedAt: new Date(`${day}T11:00:00Z`),
});

/** Writes the history. */
export async function seedGovernance(store: OpsStore): Promise<void> {
  await store.recordCards([
    card('i1', 'iron-not-optimized', '2026-10-20'),
    card('i2', 'iron-not-optimized', '2026-10-20'),
    card('i3', 'iron-not-optimized', '2026-10-20'),
    card('i4', 'iron-not-optimized', '2026-10-27'),
    card('i5', 'iron-not-optimized', '2026-10-28'),
    card('c1', 'avoid-cabergoline', '2026-10-21'),
    card('old', 'iron-not-optimized', '2026-09-01'), // before the range
  ]);
  await store.recordFeedback([
    answer('i1', 'overridden', '2026-10-20', 'iv-iron-given'),
    answer('i2', 'accepted', '2026-10-20'),
    answer('i4', 'overridden', '2026-10-27', 'iv-iron-given'),
    answer('i5', 'overridden', '2026-10-28'),
    answer('c1', 'overridden', '2026-10-21', 'non-rls-indication'),
    answer('old', 'overridden', '2026-09-01', 'oral-iron-trial'),
  ]);
  await store.recordSuppressed([
    {
      cardUuid: 's1',
      serviceId: 'rls-patient-view',
      ruleId: 'iron-not-optimized',
      indicator: 'warning',
      client: EHR,
      byCardUuid: 'i4',
      outcome: 'overridden',
      suppressedAt: new Date('2026-10-29T09:00:00Z'),
    },
  ]);
}

/** The range the expectations are for. */
export const RANGE = { from: '2026-10-19', to: '2026-11-01' };

/** What the report must say for {@link RANGE}, per rule (most overridden first). */
export const EXPECTED = {
  weeks: ['2026-10-19', '2026-10-26'],
  rules: [
    {
      ruleId: 'iron-not-optimized',
      totals: {
        issued: 5,
        accepted: 1,
        overridden: 3,
        suppressed: 1,
        overrideReasons: { 'iv-iron-given': 2, '(none)': 1 },
      },
      weeks: [
        {
          week: '2026-10-19',
          issued: 3,
          accepted: 1,
          overridden: 1,
          suppressed: 0,
          overrideReasons: { 'iv-iron-given': 1 },
        },
        {
          week: '2026-10-26',
          issued: 2,
          accepted: 0,
          overridden: 2,
          suppressed: 1,
          overrideReasons: { 'iv-iron-given': 1, '(none)': 1 },
        },
      ],
    },
    {
      ruleId: 'avoid-cabergoline',
      totals: {
        issued: 1,
        accepted: 0,
        overridden: 1,
        suppressed: 0,
        overrideReasons: { 'non-rls-indication': 1 },
      },
      weeks: [
        {
          week: '2026-10-19',
          issued: 1,
          accepted: 0,
          overridden: 1,
          suppressed: 0,
          overrideReasons: { 'non-rls-indication': 1 },
        },
        { week: '2026-10-26', issued: 0, accepted: 0, overridden: 0, suppressed: 0, overrideReasons: {} },
      ],
    },
  ],
};

/** The CSV for {@link RANGE}, row by row. */
export const EXPECTED_CSV = [
  'rule,week,measure,count',
  'iron-not-optimized,2026-10-19,issued,3',
  'iron-not-optimized,2026-10-19,accepted,1',
  'iron-not-optimized,2026-10-19,overridden,1',
  'iron-not-optimized,2026-10-19,overridden:iv-iron-given,1',
  'iron-not-optimized,2026-10-26,issued,2',
  'iron-not-optimized,2026-10-26,overridden,2',
  'iron-not-optimized,2026-10-26,suppressed,1',
  'iron-not-optimized,2026-10-26,overridden:(none),1',
  'iron-not-optimized,2026-10-26,overridden:iv-iron-given,1',
  'avoid-cabergoline,2026-10-19,issued,1',
  'avoid-cabergoline,2026-10-19,overridden,1',
  'avoid-cabergoline,2026-10-19,overridden:non-rls-indication,1',
];

/** The report over HTTP, JSON and CSV, on the history above written into the store `open` gives. */
export function reportScenario(open: () => Promise<{ store: OpsStore; cleanup: () => Promise<void> }>): void {
  test('the report counts per rule and week: issued, accepted, overridden by reason, suppressed', async () => {
    const { store, cleanup } = await open();
    try {
      await seedGovernance(store);
      const h = harness({ store });
      const res = await request(h.app)
        .get(REPORT)
        .query(RANGE)
        .auth(ADMIN_TOKEN, { type: 'bearer' })
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ from: RANGE.from, to: RANGE.to, weeks: EXPECTED.weeks });
      expect((res.body as { rules: unknown }).rules).toEqual(EXPECTED.rules);
      expect(
        (res.body as { reasonDisplays: Record<string, Record<string, string>> }).reasonDisplays,
      ).toMatchObject({
        'iron-not-optimized': { 'iv-iron-given': 'IV iron given recently, recheck pending' },
      });
      const csv = await request(h.app)
        .get(`${REPORT}.csv`)
        .query(RANGE)
        .auth(ADMIN_TOKEN, { type: 'bearer' })
        .expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toBe(
        'attachment; filename="cds-governance-2026-10-19-to-2026-11-01.csv"',
      );
      expect(csv.text.trimEnd().split('\r\n')).toEqual(EXPECTED_CSV);
    } finally {
      await store.close();
      await cleanup();
    }
  });
}
