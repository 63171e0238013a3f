/**
 * The suppression policy and the keyed hashes as pure functions: bounds per
 * indicator at their edges, the latest answer deciding, "do not suppress"
 * reasons, critical cards tied to their session, and a facts fingerprint
 * that follows the facts and not the clock.
 */
import type { Finding } from '../../src/rules/types.js';
import type { FindingMemory } from '../../src/store/types.js';
import { KeyedHasher, factsOf } from '../../src/suppression/keys.js';
import { type Candidate, DEFAULT_SUPPRESSION, decide } from '../../src/suppression/policy.js';
import { checkProductionSecrets, loadConfig } from '../../src/config.js';

const T0 = new Date('2026-11-01T09:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const at = (ms: number): Date => new Date(T0.getTime() + ms);

const candidate = (indicator: Candidate['indicator'], sessionHash = 's1'): Candidate => ({
  ruleId: 'r',
  indicator,
  factsHash: 'f1',
  sessionHash,
});

const memory = (over: Partial<FindingMemory> = {}): FindingMemory => ({
  cardUuid: 'c1',
  ruleId: 'r',
  indicator: 'info',
  factsHash: 'f1',
  sessionHash: 's1',
  outcome: 'overridden',
  outcomeAt: T0,
  receivedAt: T0,
  ...over,
});

const none = new Set<string>();

describe('bounds of an override', () => {
  test.each([
    ['info', 90 * DAY],
    ['warning', 30 * DAY],
    ['critical', 24 * HOUR],
  ] as const)('%s: held until just before the bound, shown at it', (indicator, bound) => {
    const m = [memory({ indicator })];
    expect(decide(candidate(indicator), m, at(bound - 1), DEFAULT_SUPPRESSION, none)).toMatchObject({
      outcome: 'overridden',
      until: at(bound),
    });
    expect(decide(candidate(indicator), m, at(bound), DEFAULT_SUPPRESSION, none)).toBeUndefined();
  });

  test('a bound of 0 never holds the card back', () => {
    const settings = { ...DEFAULT_SUPPRESSION, infoDays: 0 };
    expect(decide(candidate('info'), [memory()], T0, settings, none)).toBeUndefined();
  });
});

describe('which answer counts', () => {
  test('only the same rule and the same facts', () => {
    expect(
      decide(candidate('info'), [memory({ factsHash: 'f2' })], T0, DEFAULT_SUPPRESSION, none),
    ).toBeUndefined();
    expect(
      decide(candidate('info'), [memory({ ruleId: 'q' })], T0, DEFAULT_SUPPRESSION, none),
    ).toBeUndefined();
  });

  test('the latest answer decides: an acceptance after an override holds without end', () => {
    const m = [
      memory(),
      memory({ cardUuid: 'c2', outcome: 'accepted', outcomeAt: at(DAY), receivedAt: at(DAY) }),
    ];
    const held = decide(candidate('info'), m, at(400 * DAY), DEFAULT_SUPPRESSION, none);
    expect(held).toMatchObject({ outcome: 'accepted', byCardUuid: 'c2' });
    expect(held?.until).toBeUndefined();
  });

  test('a later override with a "do not suppress" reason releases the card', () => {
    const m = [
      memory({ reasonCode: 'iv-iron-given' }),
      memory({ cardUuid: 'c2', reasonCode: 'data-wrong', outcomeAt: at(1000), receivedAt: at(1000) }),
    ];
    expect(
      decide(candidate('info'), m, at(2000), DEFAULT_SUPPRESSION, new Set(['data-wrong'])),
    ).toBeUndefined();
    expect(decide(candidate('info'), m, at(2000), DEFAULT_SUPPRESSION, none)).toMatchObject({
      reasonCode: 'data-wrong',
    });
  });

  test('critical: another session never holds the card, even after an acceptance', () => {
    const m = [memory({ indicator: 'critical', outcome: 'accepted' })];
    expect(decide(candidate('critical', 's2'), m, at(1000), DEFAULT_SUPPRESSION, none)).toBeUndefined();
    expect(decide(candidate('critical', 's1'), m, at(1000), DEFAULT_SUPPRESSION, none)).toMatchObject({
      until: at(24 * HOUR),
    });
    expect(decide(candidate('critical', 's1'), m, at(24 * HOUR), DEFAULT_SUPPRESSION, none)).toBeUndefined();
  });

  test('the bound runs from the earlier of outcome time and receipt', () => {
    const m = [memory({ outcomeAt: at(365 * DAY), receivedAt: T0 })];
    expect(decide(candidate('warning'), m, at(30 * DAY), DEFAULT_SUPPRESSION, none)).toBeUndefined();
  });

  test('disabled settings hold nothing', () => {
    const off = { ...DEFAULT_SUPPRESSION, enabled: false };
    expect(decide(candidate('info'), [memory()], T0, off, none)).toBeUndefined();
  });
});

describe('keyed hashes', () => {
  const finding = (
    evidence: string[],
    values: Record<string, string> = { ferritin: '40 ng/mL' },
  ): Finding => ({
    ruleId: 'reassess-irls',
    indicator: 'info',
    values,
    evidence,
    computed: [],
    missing: [],
    suggestions: [],
  });

  test('the fingerprint ignores how long ago something was, and follows every value and date', () => {
    const h = new KeyedHasher('k'.repeat(32));
    const today = h.facts(finding(['gabapentin 300 mg/day: started 2026-09-01, 8 weeks ago']));
    const nextWeek = h.facts(finding(['gabapentin 300 mg/day: started 2026-09-01, 9 weeks ago']));
    expect(nextWeek).toBe(today);
    expect(h.facts(finding(['gabapentin 600 mg/day: started 2026-09-01, 8 weeks ago']))).not.toBe(today);
    expect(h.facts(finding(['gabapentin 300 mg/day: started 2026-09-02, 8 weeks ago']))).not.toBe(today);
    expect(
      h.facts(finding(['gabapentin 300 mg/day: started 2026-09-01, 8 weeks ago'], { ferritin: '38 ng/mL' })),
    ).not.toBe(today);
  });

  test('the fingerprint does not depend on key order', () => {
    const a = finding([], { a: '1', b: '2' });
    const b = finding([], { b: '2', a: '1' });
    expect(factsOf(a)).toBe(factsOf(b));
  });

  test('hashes depend on the secret and never contain the id', () => {
    const one = new KeyedHasher('one-secret-of-at-least-32-characters!!');
    const two = new KeyedHasher('two-secret-of-at-least-32-characters!!');
    expect(one.patient('rls-low-ferritin')).toMatch(/^[0-9a-f]{64}$/);
    expect(one.patient('rls-low-ferritin')).toBe(one.patient('rls-low-ferritin'));
    expect(one.patient('rls-low-ferritin')).not.toBe(two.patient('rls-low-ferritin'));
    expect(one.session('Practitioner/1', undefined)).not.toBe(one.session('Practitioner/1', 'enc-1'));
  });
});

describe('the patient-key secret', () => {
  test('is required in production, at least 32 characters', () => {
    const production = loadConfig({ NODE_ENV: 'production', CDS_CLIENTS_FILE: 'x.json' });
    expect(() => checkProductionSecrets(production)).toThrow(
      /CDS_PATIENT_KEY_SECRET: required in production/,
    );
    expect(() => loadConfig({ CDS_PATIENT_KEY_SECRET: 'short' })).toThrow(
      /CDS_PATIENT_KEY_SECRET: must be at least 32 characters/,
    );
    const withSecret = loadConfig({
      NODE_ENV: 'production',
      CDS_CLIENTS_FILE: 'x.json',
      CDS_PATIENT_KEY_SECRET: 's'.repeat(40),
    });
    expect(() => checkProductionSecrets(withSecret)).not.toThrow();
    expect(() => checkProductionSecrets(loadConfig({ NODE_ENV: 'development' }))).not.toThrow();
  });
});
