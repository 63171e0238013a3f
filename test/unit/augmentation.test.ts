import { pramipexoleEquivalent } from '../../src/clinical/equivalents.js';
import { ingredient } from '../../src/knowledge/drug-catalog.js';
import { taperSchedule } from '../../src/clinical/taper.js';
import { taperTable } from '../../src/cards/taper-table.js';
import type { DailyDose } from '../../src/clinical/dose.js';

const known = (mgPerDay: number): DailyDose => ({ known: true, mgPerDay, how: 'test', method: 'structured' });

describe('pramipexole-equivalent doses', () => {
  test('ropinirole 2 mg/day is 0.4 mg/day pramipexole-equivalent', () => {
    expect(pramipexoleEquivalent({ ingredient: ingredient('ropinirole'), dose: known(2) })).toBe(0.4);
  });

  test('rotigotine 3 mg/24 h is 0.9 mg/day pramipexole-equivalent', () => {
    expect(pramipexoleEquivalent({ ingredient: ingredient('rotigotine'), dose: known(3) })).toBe(0.9);
  });

  test('pramipexole is its own scale', () => {
    expect(pramipexoleEquivalent({ ingredient: ingredient('pramipexole'), dose: known(0.25) })).toBe(0.25);
  });

  test('levodopa is never converted to pramipexole-equivalents', () => {
    expect(pramipexoleEquivalent({ ingredient: ingredient('levodopa'), dose: known(200) })).toBeUndefined();
  });

  test('an unknown dose has no equivalent', () => {
    expect(
      pramipexoleEquivalent({
        ingredient: ingredient('pramipexole'),
        dose: { known: false, reason: 'no dose' },
      }),
    ).toBeUndefined();
  });
});

describe('taper schedule', () => {
  test('pramipexole 0.75 mg/day tapers by 0.125 mg every 2 weeks to zero in week 13', () => {
    const steps = taperSchedule('pramipexole', 0.75);
    expect(steps.map((s) => [s.fromWeek, s.toWeek, s.mgPerDay])).toEqual([
      [1, 2, 0.75],
      [3, 4, 0.625],
      [5, 6, 0.5],
      [7, 8, 0.375],
      [9, 10, 0.25],
      [11, 12, 0.125],
      [13, 13, 0],
    ]);
  });

  test('every step is between 0.125 and 0.25 mg pramipexole-equivalent for ropinirole', () => {
    const steps = taperSchedule('ropinirole', 4);
    for (let i = 1; i < steps.length; i++) {
      const drop = (steps[i - 1]?.pramipexoleEq ?? 0) - (steps[i]?.pramipexoleEq ?? 0);
      expect(drop).toBeGreaterThanOrEqual(0.125 - 1e-9);
      expect(drop).toBeLessThanOrEqual(0.25 + 1e-9);
    }
    expect(steps.at(-1)?.mgPerDay).toBe(0);
  });

  test('a dose that is not a multiple of the step still ends at zero', () => {
    const steps = taperSchedule('pramipexole', 0.3);
    expect(steps.map((s) => s.mgPerDay)).toEqual([0.3, 0.175, 0.05, 0]);
  });

  test('no schedule for levodopa or for a zero dose', () => {
    expect(taperSchedule('levodopa', 300)).toEqual([]);
    expect(taperSchedule('pramipexole', 0)).toEqual([]);
  });

  test('the card table lists each period and ends with stop', () => {
    const table = taperTable('pramipexole', taperSchedule('pramipexole', 0.25));
    expect(table.split('\n')).toEqual([
      '| when | pramipexole | pramipexole-equivalent |',
      '|---|---|---|',
      '| weeks 1-2 | 0.25 mg/day | 0.25 mg |',
      '| weeks 3-4 | 0.125 mg/day | 0.125 mg |',
      '| week 5 | stop | 0 mg |',
    ]);
  });
});
