/**
 * The snapshot reads well-formed records in one pass and falls back to
 * probing record by record only when a reader throws. These tests pin both
 * paths, and the iron/TIBC pairing that the record-by-record probe cannot
 * see (a pair with a non-string unit used to fail the whole call with a 500).
 */
import type { Observation } from 'fhir/r4.js';
import { type PatientData, buildSnapshot } from '../../src/clinical/snapshot.js';
import { lab, rlsCondition } from '../helpers/fhir.js';

const NOW = new Date('2026-11-01T12:00:00Z');

function data(observations: readonly unknown[]): PatientData {
  return {
    patientId: 'p1',
    conditions: [rlsCondition('p1')],
    observations: observations as Observation[],
    medicationRequests: [],
    medicationStatements: [],
    medications: new Map(),
    unavailable: [],
  };
}

test('well-formed records are all read and nothing is reported as skipped', () => {
  const snapshot = buildSnapshot(
    data([
      lab('p1', 'f1', '2276-4', 42, 'ng/mL', '2026-10-15'),
      lab('p1', 't1', '2502-3', 18, '%', '2026-10-15'),
    ]),
    NOW,
  );
  expect(snapshot.ferritin.latest?.value).toBe(42);
  expect(snapshot.tsat.latest?.value).toBe(18);
  expect(snapshot.rls).toBeDefined();
  expect(snapshot.unavailable).toEqual([]);
});

test('one unreadable Observation is skipped and counted, and the others are still read', () => {
  const broken = { resourceType: 'Observation', id: 'x', status: 'final', code: { coding: 'not-a-list' } };
  const snapshot = buildSnapshot(
    data([
      lab('p1', 'f1', '2276-4', 42, 'ng/mL', '2026-10-15'),
      broken,
      lab('p1', 't1', '2502-3', 18, '%', '2026-10-15'),
    ]),
    NOW,
  );
  expect(snapshot.ferritin.latest?.value).toBe(42);
  expect(snapshot.tsat.latest?.value).toBe(18);
  expect(snapshot.rls).toBeDefined();
  expect(snapshot.unavailable).toEqual(['1 Observation record(s) could not be read and were skipped']);
});

test('an iron/TIBC pair whose unit is not a string computes no TSAT and says why, instead of throwing', () => {
  const iron = lab('p1', 'i1', '2498-4', 50, 'ug/dL', '2026-10-15');
  const tibc = lab('p1', 'b1', '2500-7', 400, 'ug/dL', '2026-10-15');
  (tibc.valueQuantity as unknown as Record<string, unknown>).code = 400;
  const snapshot = buildSnapshot(data([iron, tibc]), NOW);
  expect(snapshot.tsat.latest).toBeUndefined();
  expect(snapshot.tsat.ignored).toEqual([
    'iron/TIBC of 2026-10-15 could not be used to compute TSAT (unit or value not usable)',
  ]);
});

test('the same iron/TIBC pair with string units gives the computed TSAT of 12.5 %', () => {
  const snapshot = buildSnapshot(
    data([
      lab('p1', 'i1', '2498-4', 50, 'ug/dL', '2026-10-15'),
      lab('p1', 'b1', '2500-7', 400, 'ug/dL', '2026-10-15'),
    ]),
    NOW,
  );
  expect(snapshot.tsat.latest?.value).toBe(12.5);
  expect(snapshot.tsat.latest?.computedFrom).toEqual({ iron: '50 ug/dL', tibc: '400 ug/dL' });
});
