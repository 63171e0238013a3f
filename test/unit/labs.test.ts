import type { Observation, Quantity } from 'fhir/r4.js';
import { latestFerritin, latestTsat } from '../../src/clinical/labs.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const LOINC = 'http://loinc.org';

let seq = 0;
function obs(
  loinc: string,
  value: Quantity | undefined,
  effectiveDateTime: string | undefined,
  status: Observation['status'] = 'final',
): Observation {
  seq += 1;
  return {
    resourceType: 'Observation',
    id: `obs-${seq}`,
    status,
    code: { coding: [{ system: LOINC, code: loinc }] },
    ...(value ? { valueQuantity: value } : {}),
    ...(effectiveDateTime ? { effectiveDateTime } : {}),
  };
}

const q = (value: number, unit?: string): Quantity => (unit === undefined ? { value } : { value, unit });
const ferritin = (value: number, unit: string | undefined, when: string, status?: Observation['status']) =>
  obs('2276-4', q(value, unit), when, status);
const tsat = (value: number, when: string, status?: Observation['status']) =>
  obs('2502-3', q(value, '%'), when, status);
const iron = (value: number, unit: string, when: string) => obs('2498-4', q(value, unit), when);
const ironMolar = (value: number, when: string) => obs('14798-3', q(value, 'umol/L'), when);
const tibc = (value: number, unit: string, when: string) => obs('2500-7', q(value, unit), when);
const tibcMolar = (value: number, when: string) => obs('14800-7', q(value, 'umol/L'), when);

describe('latestFerritin', () => {
  test('of two results on the same day, the one drawn later in the day (20:25) wins', () => {
    const morning = ferritin(40, 'ng/mL', '2026-10-15T08:20:00-05:00');
    const evening = ferritin(90, 'ng/mL', '2026-10-15T20:25:00+02:00');
    const result = latestFerritin([evening, morning], NOW);
    expect(result.latest?.value).toBe(90);
    expect(result.latest?.effective).toBe('2026-10-15T20:25:00+02:00');
    expect(result.latest?.time).toBe(Date.parse('2026-10-15T18:25:00Z'));
  });

  test('the latest result is chosen by instant, not by the local clock time written in the string', () => {
    // 21:00 at UTC+10 is 11:00 UTC; 09:00 at UTC-5 is 14:00 UTC, so the "09:00" draw is the later one.
    const a = ferritin(30, 'ng/mL', '2026-10-15T21:00:00+10:00');
    const b = ferritin(60, 'ng/mL', '2026-10-15T09:00:00-05:00');
    expect(latestFerritin([a, b], NOW).latest?.value).toBe(60);
  });

  test('a preliminary result is not used even when it is newer', () => {
    const final = ferritin(40, 'ng/mL', '2026-09-01');
    const prelim = ferritin(120, 'ng/mL', '2026-10-01', 'preliminary');
    expect(latestFerritin([final, prelim], NOW).latest?.value).toBe(40);
  });

  test('a cancelled result is not used', () => {
    const final = ferritin(40, 'ng/mL', '2026-09-01');
    const cancelled = ferritin(120, 'ng/mL', '2026-10-01', 'cancelled');
    expect(latestFerritin([final, cancelled], NOW).latest?.value).toBe(40);
  });

  test('amended and corrected results are used', () => {
    expect(latestFerritin([ferritin(55, 'ng/mL', '2026-10-01', 'amended')], NOW).latest?.value).toBe(55);
    expect(latestFerritin([ferritin(66, 'ng/mL', '2026-10-01', 'corrected')], NOW).latest?.value).toBe(66);
  });

  test('only preliminary results means no ferritin at all', () => {
    const result = latestFerritin([ferritin(40, 'ng/mL', '2026-10-01', 'preliminary')], NOW);
    expect(result).toEqual({ ignored: [] });
  });

  test('ng/mL is used as is, with no reportedAs', () => {
    const result = latestFerritin([ferritin(42, 'ng/mL', '2026-10-01')], NOW);
    expect(result.latest).toEqual({
      value: 42,
      unit: 'ng/mL',
      effective: '2026-10-01',
      time: Date.parse('2026-10-01'),
    });
  });

  test('80 ug/L equals 80 ng/mL and records the reported unit', () => {
    const result = latestFerritin([ferritin(80, 'ug/L', '2026-10-01')], NOW);
    expect(result.latest?.value).toBe(80);
    expect(result.latest?.unit).toBe('ng/mL');
    expect(result.latest?.reportedAs).toBe('80 ug/L');
  });

  test('0.08 mg/L is converted × 1000 to 80 ng/mL', () => {
    const result = latestFerritin([ferritin(0.08, 'mg/L', '2026-10-01')], NOW);
    expect(result.latest?.value).toBeCloseTo(80, 9);
    expect(result.latest?.reportedAs).toBe('0.08 mg/L');
  });

  test('a molar ferritin of 112 pmol/L is divided by 2.247 to about 49.8 ng/mL and says how it was reported', () => {
    const molar = obs('14723-1', q(112, 'pmol/L'), '2026-10-01');
    const result = latestFerritin([molar], NOW);
    expect(result.latest?.value).toBeCloseTo(112 / 2.247, 9);
    expect(result.latest?.reportedAs).toBe('112 pmol/L');
    expect(result.ignored).toEqual([]);
  });

  test('a newer molar ferritin replaces an older mass ferritin', () => {
    const molar = obs('14723-1', q(450, 'pmol/L'), '2026-10-01');
    const mass = ferritin(45, 'ng/mL', '2026-06-01');
    const result = latestFerritin([molar, mass], NOW);
    expect(result.latest?.value).toBeCloseTo(200.27, 2);
    expect(result.ignored).toHaveLength(0);
  });

  test('a ferritin in an unknown unit (nmol/L) is ignored with the reason', () => {
    const result = latestFerritin([obs('14723-1', q(1, 'nmol/L'), '2026-10-01')], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.ignored).toEqual([
      'ferritin 1 nmol/L of 2026-10-01: unit nmol/L is not converted to ng/mL',
    ]);
  });

  test('a ferritin without a unit is ignored with the reason', () => {
    const result = latestFerritin([ferritin(40, undefined, '2026-10-01')], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.ignored).toEqual(['ferritin 40 of 2026-10-01: no unit']);
  });

  test('a ferritin without any date is ignored with the reason', () => {
    const result = latestFerritin([obs('2276-4', q(40, 'ng/mL'), undefined)], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.ignored).toEqual(['ferritin 40 ng/mL has no usable date']);
  });

  test('a ferritin without effective[x] falls back to issued', () => {
    const o: Observation = { ...obs('2276-4', q(40, 'ng/mL'), undefined), issued: '2026-10-02T10:00:00Z' };
    expect(latestFerritin([o], NOW).latest?.effective).toBe('2026-10-02T10:00:00Z');
  });

  test('a 13-month-old ferritin is stale, not latest', () => {
    const result = latestFerritin([ferritin(40, 'ng/mL', '2025-10-01T12:00:00Z')], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.stale?.value).toBe(40);
  });

  test('a ferritin exactly 12 months old (same instant a year earlier) still counts as fresh', () => {
    // Documented behaviour: stale only when strictly older than now minus 12 calendar months.
    const result = latestFerritin([ferritin(40, 'ng/mL', '2025-11-01T12:00:00Z')], NOW);
    expect(result.latest?.value).toBe(40);
    expect(result.stale).toBeUndefined();
  });

  test('a ferritin 12 months and one second old is stale', () => {
    const result = latestFerritin([ferritin(40, 'ng/mL', '2025-11-01T11:59:59Z')], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.stale?.value).toBe(40);
  });

  test('a fresh ferritin wins over an older stale one', () => {
    const result = latestFerritin(
      [ferritin(20, 'ng/mL', '2024-01-01'), ferritin(90, 'ng/mL', '2026-05-01')],
      NOW,
    );
    expect(result.latest?.value).toBe(90);
    expect(result.stale).toBeUndefined();
  });

  test('a TSAT observation is not read as ferritin', () => {
    expect(latestFerritin([tsat(15, '2026-10-01')], NOW)).toEqual({ ignored: [] });
  });
});

describe('latestTsat', () => {
  test('a measured TSAT of 18 % is used as is', () => {
    const result = latestTsat([tsat(18, '2026-10-01')], NOW);
    expect(result.latest).toEqual({
      value: 18,
      unit: '%',
      effective: '2026-10-01',
      time: Date.parse('2026-10-01'),
    });
  });

  test('a preliminary TSAT is not used', () => {
    expect(latestTsat([tsat(18, '2026-10-01', 'preliminary')], NOW).latest).toBeUndefined();
  });

  test('TSAT from serum iron 50 ug/dL and TIBC 400 ug/dL of the same draw is 12.5 %', () => {
    const when = '2026-10-01T08:00:00Z';
    const result = latestTsat([iron(50, 'ug/dL', when), tibc(400, 'ug/dL', when)], NOW);
    expect(result.latest?.value).toBe(12.5);
    expect(result.latest?.unit).toBe('%');
    expect(result.latest?.effective).toBe(when);
    expect(result.latest?.computedFrom).toEqual({ iron: '50 ug/dL', tibc: '400 ug/dL' });
  });

  test('iron and TIBC drawn 7 minutes apart on the same day are paired, and the gap is reported', () => {
    const result = latestTsat(
      [iron(50, 'ug/dL', '2026-10-01T08:02:00Z'), tibc(400, 'ug/dL', '2026-10-01T08:09:00Z')],
      NOW,
    );
    expect(result.latest?.value).toBe(12.5);
    expect(result.latest?.computedFrom).toEqual({ iron: '50 ug/dL', tibc: '400 ug/dL', minutesApart: 7 });
  });

  test('of two TIBC results that day, the one closest in time to the iron is used', () => {
    const result = latestTsat(
      [
        iron(60, 'ug/dL', '2026-10-01T08:00:00Z'),
        tibc(200, 'ug/dL', '2026-10-01T16:00:00Z'),
        tibc(400, 'ug/dL', '2026-10-01T08:20:00Z'),
      ],
      NOW,
    );
    expect(result.latest?.value).toBe(15);
  });

  test('iron and TIBC of different days are not combined', () => {
    const result = latestTsat(
      [iron(50, 'ug/dL', '2026-10-01T08:00:00Z'), tibc(400, 'ug/dL', '2026-10-02T08:00:00Z')],
      NOW,
    );
    expect(result).toEqual({ ignored: [] });
  });

  test('a measured TSAT is preferred over one computed from the same draw', () => {
    const when = '2026-10-01T08:00:00Z';
    const result = latestTsat([iron(50, 'ug/dL', when), tibc(400, 'ug/dL', when), tsat(25, when)], NOW);
    expect(result.latest?.value).toBe(25);
    expect(result.latest?.computedFrom).toBeUndefined();
  });

  test('a TSAT computed from a newer draw wins over an older measured TSAT', () => {
    const when = '2026-10-01T08:00:00Z';
    const result = latestTsat(
      [tsat(30, '2026-06-01'), iron(50, 'ug/dL', when), tibc(400, 'ug/dL', when)],
      NOW,
    );
    expect(result.latest?.value).toBe(12.5);
    expect(result.latest?.computedFrom).toBeDefined();
  });

  test('molar serum iron (9 umol/L) with mass TIBC (400 ug/dL) is converted: 12.6 %', () => {
    const when = '2026-10-01';
    const result = latestTsat([ironMolar(9, when), tibc(400, 'ug/dL', when)], NOW);
    // 9 umol/L × 5.585 = 50.265 ug/dL; / 400 × 100 = 12.566 -> 12.6
    expect(result.latest?.value).toBe(12.6);
    expect(result.latest?.computedFrom).toEqual({ iron: '9 umol/L', tibc: '400 ug/dL' });
  });

  test('mass serum iron (50 ug/dL) with molar TIBC (71.6 umol/L) is converted: 12.5 %', () => {
    const when = '2026-10-01';
    const result = latestTsat([iron(50, 'ug/dL', when), tibcMolar(71.6, when)], NOW);
    expect(result.latest?.value).toBe(12.5);
  });

  test('both molar (9 and 72 umol/L) give 12.5 %', () => {
    const when = '2026-10-01';
    expect(latestTsat([ironMolar(9, when), tibcMolar(72, when)], NOW).latest?.value).toBe(12.5);
  });

  test('a TIBC of 0 does not compute a TSAT, and the reason is listed', () => {
    const when = '2026-10-01';
    const result = latestTsat([iron(50, 'ug/dL', when), tibc(0, 'ug/dL', when)], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.ignored).toEqual([
      'iron/TIBC of 2026-10-01 could not be used to compute TSAT (unit or value not usable)',
    ]);
  });

  test('serum iron in an unknown unit does not compute a TSAT', () => {
    const when = '2026-10-01';
    const result = latestTsat([iron(50, 'mg/L', when), tibc(400, 'ug/dL', when)], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.ignored).toHaveLength(1);
  });

  test('a TSAT reported as a fraction unit is ignored with the reason', () => {
    const result = latestTsat([obs('2502-3', q(0.18, '1'), '2026-10-01')], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.ignored).toEqual(['TSAT 0.18 1 of 2026-10-01: unit 1 is not %']);
  });

  test('a 13-month-old TSAT is stale, not latest', () => {
    const result = latestTsat([tsat(15, '2025-10-01')], NOW);
    expect(result.latest).toBeUndefined();
    expect(result.stale?.value).toBe(15);
  });
});
