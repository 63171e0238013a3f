import type { Dosage, Quantity, Timing } from 'fhir/r4.js';
import {
  administrationsPerDay,
  dailyDose,
  doseMg,
  strengthFromText,
  type Strength,
} from '../../src/clinical/dose.js';

const mg = (value: number, unit = 'mg'): Quantity => ({
  value,
  unit,
  system: 'http://unitsofmeasure.org',
  code: unit,
});
const code = (c: string): Timing => ({
  code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: c }] },
});
const line = (
  dose: Quantity | undefined,
  timing: Timing | undefined,
  extra: Partial<Dosage> = {},
): Dosage => ({
  ...(dose ? { doseAndRate: [{ doseQuantity: dose }] } : {}),
  ...(timing ? { timing } : {}),
  ...extra,
});

const PRAMIPEXOLE_025: Strength = { mg: 0.25, basis: 'unit', from: 'RxNorm 859040' };
const ROTIGOTINE_3MG_PATCH: Strength = { mg: 3, basis: 'per-24h', from: 'RxNorm 1251916' };
const GABAPENTIN_SOLN: Strength = { mg: 50, basis: 'per-mL', from: 'RxNorm 283523' };

function mgPerDay(dosages: Dosage[], strength?: Strength): number {
  const result = dailyDose(dosages, strength);
  if (!result.known) throw new Error(`expected a known dose, got: ${result.reason}`);
  return result.mgPerDay;
}

function reason(dosages: Dosage[] | undefined, strength?: Strength): string {
  const result = dailyDose(dosages, strength);
  if (result.known) throw new Error(`expected an unknown dose, got ${result.mgPerDay} mg/day`);
  return result.reason;
}

describe('administrationsPerDay from timing codes', () => {
  test.each([
    ['QD', 1],
    ['BID', 2],
    ['TID', 3],
    ['QID', 4],
    ['QHS', 1],
    ['Q8H', 3],
    ['Q6H', 4],
    ['QOD', 0.5],
  ])('timing code %s means %d administrations per day', (c, perDay) => {
    expect(administrationsPerDay(code(c))).toEqual({ perDay, how: c });
  });

  test('timing code given only as text ("bid") is read case-insensitively', () => {
    expect(administrationsPerDay({ code: { text: 'bid' } })).toEqual({ perDay: 2, how: 'BID' });
  });

  test('an unknown timing code gives no frequency', () => {
    expect(administrationsPerDay(code('AC'))).toEqual({ reason: 'no frequency' });
  });

  test('no timing at all gives no frequency', () => {
    expect(administrationsPerDay(undefined)).toEqual({ reason: 'no frequency' });
  });

  test('repeat.when with two event times counts as two administrations per day', () => {
    expect(administrationsPerDay({ repeat: { when: ['MORN', 'HS'] } })).toEqual({
      perDay: 2,
      how: 'at MORN, HS',
    });
  });
});

describe('administrationsPerDay from timing.repeat', () => {
  test('2 per 1 d is twice daily', () => {
    expect(administrationsPerDay({ repeat: { frequency: 2, period: 1, periodUnit: 'd' } })).toEqual({
      perDay: 2,
      how: '2 per 1 d',
    });
  });

  test('1 per 8 h is three times daily', () => {
    const r = administrationsPerDay({ repeat: { frequency: 1, period: 8, periodUnit: 'h' } });
    expect('perDay' in r && r.perDay).toBeCloseTo(3, 10);
  });

  test('1 per 1 wk is one seventh of an administration per day', () => {
    const r = administrationsPerDay({ repeat: { frequency: 1, period: 1, periodUnit: 'wk' } });
    expect('perDay' in r && r.perDay).toBeCloseTo(1 / 7, 10);
  });

  test('a monthly period unit (mo) is not supported and says so', () => {
    expect(administrationsPerDay({ repeat: { frequency: 1, period: 1, periodUnit: 'mo' } })).toEqual({
      reason: 'timing period unit "mo" is not supported',
    });
  });

  test('repeat takes precedence over a timing code', () => {
    const timing: Timing = { ...code('QD'), repeat: { frequency: 3, period: 1, periodUnit: 'd' } };
    expect(administrationsPerDay(timing)).toEqual({ perDay: 3, how: '3 per 1 d' });
  });

  test('frequencyMax is used as the (highest) frequency', () => {
    expect(
      administrationsPerDay({ repeat: { frequency: 1, frequencyMax: 3, period: 1, periodUnit: 'd' } }),
    ).toEqual({
      perDay: 3,
      how: '3 per 1 d',
    });
  });

  test('a period of zero is rejected', () => {
    expect(administrationsPerDay({ repeat: { frequency: 1, period: 0, periodUnit: 'd' } })).toEqual({
      reason: 'timing frequency or period is not positive',
    });
  });
});

describe('doseMg for one administration', () => {
  test('1 g is 1000 mg', () => {
    expect(doseMg(mg(1, 'g'), undefined)).toEqual({ mg: 1000, how: '1 g' });
  });

  test('250 mcg is 0.25 mg', () => {
    expect(doseMg(mg(250, 'mcg'), undefined)).toEqual({ mg: 0.25, how: '250 mcg' });
  });

  test('250 ug (UCUM) is 0.25 mg', () => {
    const r = doseMg(mg(250, 'ug'), undefined);
    expect('mg' in r && r.mg).toBeCloseTo(0.25, 10);
  });

  test('2 tablets of a 0.25 mg product is 0.5 mg', () => {
    const r = doseMg({ value: 2, unit: 'tablet' }, PRAMIPEXOLE_025);
    expect('mg' in r && r.mg).toBe(0.5);
  });

  test('a tablet count without a known tablet strength cannot be converted', () => {
    expect(doseMg({ value: 1, unit: 'tablet' }, undefined)).toEqual({
      reason: 'dose in tablet but the strength per tablet is unknown',
    });
  });

  test('a tablet count with only a per-mL concentration cannot be converted', () => {
    expect('reason' in doseMg({ value: 1, unit: 'tablet' }, GABAPENTIN_SOLN)).toBe(true);
  });

  test('a dose without a unit is not guessed', () => {
    expect(doseMg({ value: 1 }, PRAMIPEXOLE_025)).toEqual({ reason: 'dose has no unit' });
  });

  test('an unsupported unit (international units) is reported', () => {
    expect(doseMg({ value: 5, unit: 'IU' }, undefined)).toEqual({
      reason: 'dose unit "IU" is not supported',
    });
  });

  test('a negative dose is not a dose', () => {
    expect(doseMg(mg(-1), undefined)).toEqual({ reason: 'no dose quantity' });
  });
});

describe('dailyDose', () => {
  test.each([
    ['QD', 1],
    ['BID', 2],
    ['TID', 3],
    ['QID', 4],
    ['QHS', 1],
    ['Q8H', 3],
    ['Q6H', 4],
    ['QOD', 0.5],
  ])('0.5 mg %s gives %d × 0.5 mg per day', (c, perDay) => {
    expect(mgPerDay([line(mg(0.5), code(c))])).toBe(0.5 * perDay);
  });

  test('0.5 mg 2 per 1 d is 1 mg/day', () => {
    expect(mgPerDay([line(mg(0.5), { repeat: { frequency: 2, period: 1, periodUnit: 'd' } })])).toBe(1);
  });

  test('100 mg every 12 h (1 per 12 h) is 200 mg/day', () => {
    expect(mgPerDay([line(mg(100), { repeat: { frequency: 1, period: 12, periodUnit: 'h' } })])).toBe(200);
  });

  test('7 mg once weekly (1 per 1 wk) is 1 mg/day', () => {
    expect(mgPerDay([line(mg(7), { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } })])).toBe(1);
  });

  test('1 mg once weekly is 1/7 mg/day, rounded to 0.143', () => {
    expect(mgPerDay([line(mg(1), { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } })])).toBe(0.143);
  });

  test('1 mg once monthly (period unit mo) is unknown, with the reason', () => {
    expect(reason([line(mg(1), { repeat: { frequency: 1, period: 1, periodUnit: 'mo' } })])).toBe(
      'timing period unit "mo" is not supported',
    );
  });

  test('a dose range uses its high end (0.125-0.25 mg QHS is 0.25 mg/day)', () => {
    const d: Dosage = {
      doseAndRate: [{ doseRange: { low: mg(0.125), high: mg(0.25) } }],
      timing: code('QHS'),
    };
    expect(mgPerDay([d])).toBe(0.25);
  });

  test('pramipexole 0.25 mg tablet, 2 tablets BID, is 1 mg/day', () => {
    const result = dailyDose([line({ value: 2, unit: 'tablet' }, code('BID'))], PRAMIPEXOLE_025);
    expect(result).toEqual({
      known: true,
      mgPerDay: 1,
      how: '2 × 0.25 mg (RxNorm 859040), BID',
      method: 'structured',
    });
  });

  test('tablets without a known product strength give an unknown dose', () => {
    expect(reason([line({ value: 1, unit: 'tablet' }, code('BID'))])).toBe(
      'dose in tablet but the strength per tablet is unknown',
    );
  });

  test('a dose quantity without a unit gives an unknown dose', () => {
    expect(reason([line({ value: 1 }, code('BID'))], PRAMIPEXOLE_025)).toBe('dose has no unit');
  });

  test('a known dose with no frequency gives an unknown dose', () => {
    expect(reason([line(mg(0.25), undefined)])).toBe('no frequency');
  });

  test('a free-text sig that names no dose ("take as directed") is unknown and says why', () => {
    expect(reason([{ text: 'take as directed' }], PRAMIPEXOLE_025)).toBe('no dose in the sig text');
  });

  test('no dosage instruction at all is unknown', () => {
    expect(reason(undefined)).toBe('no dosage instruction');
    expect(reason([])).toBe('no dosage instruction');
  });

  test('a rotigotine 3 mg/24 h patch with no dose quantity delivers 3 mg/day', () => {
    expect(dailyDose([{ text: 'apply one patch daily' }], ROTIGOTINE_3MG_PATCH)).toEqual({
      known: true,
      mgPerDay: 3,
      how: '1 × 3 mg/24 h patch (RxNorm 1251916) a day, sig "apply one patch daily"',
      method: 'product-and-sig',
    });
  });

  test('one rotigotine 3 mg/24 h patch daily is 3 mg/day', () => {
    expect(mgPerDay([line({ value: 1, unit: 'patch' }, code('QD'))], ROTIGOTINE_3MG_PATCH)).toBe(3);
  });

  test('one rotigotine 3 mg/24 h patch without any timing counts as one patch per day', () => {
    expect(mgPerDay([line({ value: 1, unit: 'patch' }, undefined)], ROTIGOTINE_3MG_PATCH)).toBe(3);
  });

  test('two rotigotine 3 mg/24 h patches at once is 6 mg/day', () => {
    expect(mgPerDay([line({ value: 2, unit: '{patch}' }, code('QD'))], ROTIGOTINE_3MG_PATCH)).toBe(6);
  });

  test('a patch count without a per-24 h strength is unknown', () => {
    expect(reason([line({ value: 1, unit: 'patch' }, code('QD'))])).toBe(
      'patch dose but the patch strength is unknown',
    );
  });

  test('gabapentin 50 mg/mL, 6 mL TID, is 900 mg/day', () => {
    expect(mgPerDay([line({ value: 6, unit: 'mL', code: 'mL' }, code('TID'))], GABAPENTIN_SOLN)).toBe(900);
  });

  test('a volume dose without a known concentration is unknown', () => {
    expect(reason([line({ value: 6, unit: 'mL' }, code('TID'))], PRAMIPEXOLE_025)).toBe(
      'dose in mL but the concentration is unknown',
    );
  });

  test('two concurrent lines (0.125 mg in the morning + 0.25 mg at night) are summed to 0.375 mg/day', () => {
    const result = dailyDose(
      [line(mg(0.125), { repeat: { when: ['MORN'] } }), line(mg(0.25), code('QHS'))],
      undefined,
    );
    expect(result).toEqual({
      known: true,
      mgPerDay: 0.375,
      how: '0.125 mg, at MORN + 0.25 mg, QHS',
      method: 'structured',
    });
  });

  test('one unreadable line makes the whole daily dose unknown rather than undercounted', () => {
    expect(reason([line(mg(0.125), code('QD')), line({ value: 1 }, code('QHS'))])).toBe('dose has no unit');
  });

  test('sequential phases (sequence 1: 0.125 mg QHS, sequence 2: 0.25 mg QHS) take the highest phase', () => {
    const result = dailyDose(
      [line(mg(0.125), code('QHS'), { sequence: 1 }), line(mg(0.25), code('QHS'), { sequence: 2 })],
      undefined,
    );
    expect(result).toEqual({
      known: true,
      mgPerDay: 0.25,
      how: '0.25 mg, QHS (highest of 2 phases)',
      method: 'structured',
    });
  });

  test('the highest phase wins even when it comes first', () => {
    expect(
      mgPerDay([line(mg(0.5), code('BID'), { sequence: 1 }), line(mg(0.25), code('QHS'), { sequence: 2 })]),
    ).toBe(1);
  });

  test('1 g BID is 2000 mg/day', () => {
    expect(mgPerDay([line(mg(1, 'g'), code('BID'))])).toBe(2000);
  });

  test('125 mcg TID is 0.375 mg/day', () => {
    expect(mgPerDay([line(mg(125, 'mcg'), code('TID'))])).toBe(0.375);
  });
});

describe('strengthFromText', () => {
  test('"pramipexole 0.25 MG Oral Tablet" is 0.25 mg per unit', () => {
    expect(strengthFromText('pramipexole 0.25 MG Oral Tablet')).toEqual({ mg: 0.25, basis: 'unit' });
  });

  test('"rotigotine 0.125 MG/HR Transdermal System" is 3 mg per 24 h', () => {
    expect(strengthFromText('rotigotine 0.125 MG/HR Transdermal System')).toEqual({
      mg: 3,
      basis: 'per-24h',
    });
  });

  test('"rotigotine 2 MG/24HR Transdermal System" is 2 mg per 24 h', () => {
    expect(strengthFromText('rotigotine 2 MG/24HR Transdermal System')).toEqual({ mg: 2, basis: 'per-24h' });
  });

  test('"gabapentin 50 MG/ML Oral Solution" is 50 mg per mL', () => {
    expect(strengthFromText('gabapentin 50 MG/ML Oral Solution')).toEqual({ mg: 50, basis: 'per-mL' });
  });

  test('text with no strength gives undefined', () => {
    expect(strengthFromText('pramipexole oral tablet')).toBeUndefined();
    expect(strengthFromText(undefined)).toBeUndefined();
  });

  test('two plain strengths without a slash ("5 mg and 10 mg") are ambiguous', () => {
    expect(strengthFromText('oxycodone 5 mg and 10 mg tablets')).toBeUndefined();
  });

  // A combination product must not be read as a single strength of either ingredient.
  test('"carbidopa 25 MG / levodopa 100 MG Oral Tablet" is ambiguous (combination) and gives undefined', () => {
    expect(strengthFromText('carbidopa 25 MG / levodopa 100 MG Oral Tablet')).toBeUndefined();
  });

  // Reading the second ingredient's strength for the first would be clinically worse.
  test('"buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet" is ambiguous and gives undefined', () => {
    expect(strengthFromText('buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet')).toBeUndefined();
  });
});
