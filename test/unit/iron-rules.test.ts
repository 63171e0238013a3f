import type { Condition, MedicationRequest, Observation } from 'fhir/r4.js';
import type { LabFinding } from '../../src/clinical/labs.js';
import {
  type DraftOrders,
  type PatientData,
  type PatientSnapshot,
  buildSnapshot,
} from '../../src/clinical/snapshot.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';
import { avoidCabergoline, hasNonRlsIndication } from '../../src/rules/avoid.js';
import { RULES, evaluate, rulesFor } from '../../src/rules/index.js';
import {
  esrdIronNotOptimized,
  ironBorderline,
  ironNotOptimized,
  ironNotOptimizedRule,
  ironStudiesDue,
} from '../../src/rules/iron.js';
import type { Finding } from '../../src/rules/types.js';
import type { Hook } from '../../src/protocol/types.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const DRAWN = '2026-10-01T08:00:00Z';

const rlsCondition: Condition = {
  resourceType: 'Condition',
  id: 'rls',
  subject: { reference: 'Patient/p1' },
  clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: 'active' }] },
  code: { coding: [{ system: SYSTEM.icd10cm, code: 'G25.81', display: 'Restless legs syndrome' }] },
};
const esrdCondition: Condition = {
  resourceType: 'Condition',
  id: 'esrd',
  subject: { reference: 'Patient/p1' },
  clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: 'active' }] },
  code: { coding: [{ system: SYSTEM.icd10cm, code: 'N18.6', display: 'End stage renal disease' }] },
  onsetDateTime: '2022-04-01',
};

function lab(loinc: string, value: number, unit: string, when = DRAWN): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: SYSTEM.loinc, code: loinc }] },
    valueQuantity: { value, unit },
    effectiveDateTime: when,
  };
}

interface Scenario {
  ferritin?: number;
  tsat?: number;
  rls?: boolean;
  esrd?: boolean;
  drafts?: DraftOrders;
}

/** A snapshot built from plain FHIR resources through buildSnapshot. */
function snap({ ferritin, tsat, rls = true, esrd = false, drafts }: Scenario): PatientSnapshot {
  const observations: Observation[] = [];
  if (ferritin !== undefined) observations.push(lab('2276-4', ferritin, 'ng/mL'));
  if (tsat !== undefined) observations.push(lab('2502-3', tsat, '%'));
  const data: PatientData = {
    patientId: 'p1',
    conditions: [...(rls ? [rlsCondition] : []), ...(esrd ? [esrdCondition] : [])],
    observations,
    medicationRequests: [],
    medicationStatements: [],
    medications: new Map(),
    unavailable: [],
  };
  return buildSnapshot(data, NOW, drafts);
}

function firedIds(s: PatientSnapshot, hook: Hook = 'patient-view'): string[] {
  return evaluate(s, hook).map((f) => f.ruleId);
}

function cabergolineDraft(id: string, reasonCode?: MedicationRequest['reasonCode']): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { coding: [{ system: SYSTEM.rxnorm, code: '199703' }] },
    dosageInstruction: [
      {
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        timing: { repeat: { frequency: 2, period: 1, periodUnit: 'wk' } },
      },
    ],
    ...(reasonCode ? { reasonCode } : {}),
  };
}

const freshLab = (value: number, unit: 'ng/mL' | '%'): LabFinding => ({
  latest: { value, unit, effective: DRAWN, time: Date.parse(DRAWN) },
  ignored: [],
});

describe('iron thresholds (non-ESRD patient with RLS)', () => {
  test('ferritin of exactly 75 ng/mL counts as not optimized', () => {
    const s = snap({ ferritin: 75, tsat: 25 });
    expect(firedIds(s)).toEqual(['iron-not-optimized']);
    const f = ironNotOptimizedRule.evaluate(s, 'patient-view');
    expect(f?.indicator).toBe('warning');
    expect(f?.values).toEqual({ ferritin: '75 ng/mL', tsat: '25 %' });
    expect(f?.suggestions).toEqual([{ kind: 'order-ferric-carboxymaltose' }]);
    expect(f?.evidence).toEqual(['ferritin 75 ng/mL on 2026-10-01', 'TSAT 25 % on 2026-10-01']);
  });

  test('ferritin 76 ng/mL with TSAT 20 % is borderline only', () => {
    const s = snap({ ferritin: 76, tsat: 20 });
    expect(firedIds(s)).toEqual(['iron-borderline']);
    expect(ironBorderline.evaluate(s, 'patient-view')?.indicator).toBe('info');
    expect(ironNotOptimized(s)).toBe(false);
  });

  test('ferritin 100 ng/mL with TSAT 20 % is still borderline', () => {
    expect(firedIds(snap({ ferritin: 100, tsat: 20 }))).toEqual(['iron-borderline']);
  });

  test('ferritin 101 ng/mL with TSAT 20 % is optimized: no iron finding', () => {
    const s = snap({ ferritin: 101, tsat: 20 });
    expect(firedIds(s)).toEqual([]);
    expect(ironNotOptimized(s)).toBe(false);
  });

  test('TSAT 19.9 % counts as not optimized even with ferritin 150 ng/mL', () => {
    const s = snap({ ferritin: 150, tsat: 19.9 });
    expect(firedIds(s)).toEqual(['iron-not-optimized']);
    expect(ironNotOptimized(s)).toBe(true);
  });

  test('ferritin 90 ng/mL with TSAT 19 % is not optimized, not borderline', () => {
    expect(firedIds(snap({ ferritin: 90, tsat: 19 }))).toEqual(['iron-not-optimized']);
  });

  test('ferritin 50 ng/mL with TSAT unknown is not optimized and iron studies are due', () => {
    const s = snap({ ferritin: 50 });
    expect(firedIds(s)).toEqual(['iron-not-optimized', 'iron-studies-due']);
    const due = ironStudiesDue.evaluate(s, 'patient-view');
    expect(due?.indicator).toBe('info');
    expect(due?.suggestions).toEqual([{ kind: 'order-iron-studies' }]);
    expect(due?.missing).toEqual(['no TSAT on record']);
    expect(due?.values).toEqual({ ferritin: '50 ng/mL', tsat: 'unknown' });
  });

  test('ferritin 150 ng/mL with TSAT unknown: iron status cannot be told, only iron studies are due', () => {
    const s = snap({ ferritin: 150 });
    expect(ironNotOptimized(s)).toBeUndefined();
    expect(firedIds(s)).toEqual(['iron-studies-due']);
  });

  test('no iron studies at all: iron studies are due', () => {
    const f = ironStudiesDue.evaluate(snap({}), 'patient-view');
    expect(f?.missing).toEqual(['no ferritin on record', 'no TSAT on record']);
  });

  test('a stale low ferritin (14 months old) is not acted on; iron studies are due instead', () => {
    const s: PatientSnapshot = {
      ...snap({ tsat: 25 }),
      ferritin: {
        stale: { value: 20, unit: 'ng/mL', effective: '2025-09-01', time: Date.parse('2025-09-01') },
        ignored: [],
      },
    };
    expect(firedIds(s)).toEqual(['iron-studies-due']);
    expect(ironStudiesDue.evaluate(s, 'patient-view')?.missing).toEqual([
      'no ferritin in the last 12 months (last: ferritin 20 ng/mL on 2025-09-01, too old to rely on)',
    ]);
  });

  test('without an RLS diagnosis no iron rule fires, however low the iron', () => {
    expect(firedIds(snap({ ferritin: 10, tsat: 5, rls: false }))).toEqual([]);
    expect(firedIds(snap({ rls: false }))).toEqual([]);
  });

  test('TSAT computed from iron 50 / TIBC 400 (12.5 %) counts as not optimized and says how it was computed', () => {
    const data: PatientData = {
      patientId: 'p1',
      conditions: [rlsCondition],
      observations: [lab('2276-4', 150, 'ng/mL'), lab('2498-4', 50, 'ug/dL'), lab('2500-7', 400, 'ug/dL')],
      medicationRequests: [],
      medicationStatements: [],
      medications: new Map(),
      unavailable: [],
    };
    const f = ironNotOptimizedRule.evaluate(buildSnapshot(data, NOW), 'patient-view');
    expect(f?.values).toEqual({ ferritin: '150 ng/mL', tsat: '12.5 %' });
    expect(f?.computed).toEqual([
      'TSAT computed as serum iron 50 ug/dL / TIBC 400 ug/dL × 100 (no measured TSAT that day)',
    ]);
  });
});

describe('iron thresholds in ESRD', () => {
  test('ESRD with ferritin 199 ng/mL and TSAT 19 % is esrd-iron-not-optimized, not iron-not-optimized', () => {
    const s = snap({ ferritin: 199, tsat: 19, esrd: true });
    expect(firedIds(s)).toEqual(['esrd-iron-not-optimized']);
    const f = esrdIronNotOptimized.evaluate(s, 'patient-view');
    expect(f?.indicator).toBe('warning');
    expect(f?.suggestions).toEqual([{ kind: 'order-iron-sucrose' }]);
    expect(f?.evidence).toContain('ESRD: End stage renal disease (since 2022-04-01)');
  });

  test('ESRD with ferritin exactly 200 ng/mL (TSAT 19 %) does not fire', () => {
    expect(firedIds(snap({ ferritin: 200, tsat: 19, esrd: true }))).toEqual([]);
  });

  test('ESRD with TSAT exactly 20 % (ferritin 150) does not fire', () => {
    expect(firedIds(snap({ ferritin: 150, tsat: 20, esrd: true }))).toEqual([]);
  });

  test('ESRD with ferritin 50 ng/mL: neither the general not-optimized nor the borderline rule applies', () => {
    const s = snap({ ferritin: 50, tsat: 25, esrd: true });
    expect(ironNotOptimizedRule.evaluate(s, 'patient-view')).toBeUndefined();
    expect(
      ironBorderline.evaluate(snap({ ferritin: 90, tsat: 25, esrd: true }), 'patient-view'),
    ).toBeUndefined();
    expect(firedIds(s)).toEqual([]);
  });

  test('ESRD with ferritin 150 ng/mL and TSAT unknown: iron studies are due, ESRD rule waits for TSAT', () => {
    expect(firedIds(snap({ ferritin: 150, esrd: true }))).toEqual(['iron-studies-due']);
  });
});

describe('avoid-cabergoline on draft orders', () => {
  test('a selected cabergoline draft is critical, with a suggestion to delete that draft', () => {
    const s = snap({
      drafts: {
        medicationRequests: [cabergolineDraft('draft-1')],
        selections: ['MedicationRequest/draft-1'],
      },
    });
    const findings = evaluate(s, 'order-select');
    expect(findings.map((f) => [f.ruleId, f.indicator])).toEqual([['avoid-cabergoline', 'critical']]);
    const f = findings[0];
    expect(f?.suggestions).toEqual([
      { kind: 'delete-draft', reference: 'MedicationRequest/draft-1', display: 'cabergoline 0.5 mg tablet' },
    ]);
    expect(f?.values).toEqual({ drug: 'cabergoline', indication: 'another condition' });
    expect(f?.variant).toBeUndefined();
    expect(f?.evidence).toEqual(['draft order: cabergoline 0.5 mg tablet: 0.143 mg/day']);
  });

  test('at order-sign every cabergoline draft counts as selected', () => {
    const s = snap({ drafts: { medicationRequests: [cabergolineDraft('draft-2')] } });
    const f = avoidCabergoline.evaluate(s, 'order-sign');
    expect(f?.indicator).toBe('critical');
    expect(f?.suggestions).toEqual([
      { kind: 'delete-draft', reference: 'MedicationRequest/draft-2', display: 'cabergoline 0.5 mg tablet' },
    ]);
  });

  test('a cabergoline draft that is not among the selections (order-select) gives nothing', () => {
    const s = snap({
      drafts: { medicationRequests: [cabergolineDraft('draft-1')], selections: ['MedicationRequest/other'] },
    });
    expect(evaluate(s, 'order-select')).toEqual([]);
  });

  test('a cabergoline draft for a patient without RLS gives nothing', () => {
    const s = snap({ rls: false, drafts: { medicationRequests: [cabergolineDraft('draft-1')] } });
    expect(evaluate(s, 'order-sign')).toEqual([]);
  });

  test('a cancelled cabergoline "draft" is not checked', () => {
    const cancelled: MedicationRequest = { ...cabergolineDraft('draft-3'), status: 'cancelled' };
    expect(evaluate(snap({ drafts: { medicationRequests: [cancelled] } }), 'order-sign')).toEqual([]);
  });

  test('cabergoline ordered for "Hyperprolactinemia" is info only, with the non-RLS-indication variant', () => {
    const s = snap({
      drafts: { medicationRequests: [cabergolineDraft('draft-4', [{ text: 'Hyperprolactinemia' }])] },
    });
    const f = avoidCabergoline.evaluate(s, 'order-sign');
    expect(f?.indicator).toBe('info');
    expect(f?.variant).toBe('non-rls-indication');
    expect(f?.evidence).toEqual([
      'draft order: cabergoline 0.5 mg tablet: 0.143 mg/day; indication on the order: Hyperprolactinemia',
    ]);
  });

  test('cabergoline ordered with reason G25.81 (RLS) stays critical', () => {
    const reason = [
      { coding: [{ system: SYSTEM.icd10cm, code: 'G25.81', display: 'Restless legs syndrome' }] },
    ];
    const s = snap({ drafts: { medicationRequests: [cabergolineDraft('draft-5', reason)] } });
    const f = avoidCabergoline.evaluate(s, 'order-sign');
    expect(f?.indicator).toBe('critical');
    expect(f?.variant).toBeUndefined();
    const draft = s.draftOrders[0];
    if (!draft) throw new Error('expected a draft');
    expect(hasNonRlsIndication(draft)).toBe(false);
  });

  test('cabergoline ordered for both hyperprolactinemia and RLS stays critical', () => {
    const reasons = [{ text: 'Hyperprolactinemia' }, { text: 'restless legs' }];
    const s = snap({ drafts: { medicationRequests: [cabergolineDraft('draft-6', reasons)] } });
    expect(avoidCabergoline.evaluate(s, 'order-sign')?.indicator).toBe('critical');
  });

  test('two cabergoline drafts, only one with a non-RLS indication, stay critical and suggest deleting both', () => {
    const s = snap({
      drafts: {
        medicationRequests: [cabergolineDraft('a', [{ text: 'Hyperprolactinemia' }]), cabergolineDraft('b')],
      },
    });
    const f = avoidCabergoline.evaluate(s, 'order-sign');
    expect(f?.indicator).toBe('critical');
    expect(f?.suggestions.map((x) => (x.kind === 'delete-draft' ? x.reference : x.kind))).toEqual([
      'MedicationRequest/a',
      'MedicationRequest/b',
    ]);
  });
});

describe('evaluate()', () => {
  const SEVERITY: Record<Finding['indicator'], number> = { critical: 0, warning: 1, info: 2 };

  test('the warning (iron-not-optimized) comes before the info (iron-studies-due) although studies-due is first in the catalog', () => {
    const ids = RULES.map((r) => r.id);
    expect(ids.indexOf('iron-studies-due')).toBeLessThan(ids.indexOf('iron-not-optimized'));
    const findings = evaluate(snap({ ferritin: 50 }), 'patient-view');
    expect(findings.map((f) => f.indicator)).toEqual(['warning', 'info']);
  });

  test('iron rules run at patient-view only; cabergoline runs on every hook (active at patient-view, drafts at order time)', () => {
    const pv = rulesFor('patient-view').map((r) => r.id);
    const select = rulesFor('order-select').map((r) => r.id);
    const sign = rulesFor('order-sign').map((r) => r.id);
    for (const id of [
      'iron-studies-due',
      'iron-not-optimized',
      'iron-borderline',
      'esrd-iron-not-optimized',
    ]) {
      expect(pv).toContain(id);
      expect(select).not.toContain(id);
      expect(sign).not.toContain(id);
    }
    for (const ids of [pv, select, sign]) expect(ids).toContain('avoid-cabergoline');
    expect(select).toEqual(sign);
  });

  test('at order-sign a low-iron patient with a cabergoline draft gets only the critical cabergoline finding', () => {
    const s = snap({ ferritin: 50, drafts: { medicationRequests: [cabergolineDraft('d')] } });
    expect(evaluate(s, 'order-sign').map((f) => [f.ruleId, f.indicator])).toEqual([
      ['avoid-cabergoline', 'critical'],
    ]);
    expect(firedIds(s, 'patient-view')).toEqual(['iron-not-optimized', 'iron-studies-due']);
  });

  const scenarios: [string, Scenario, Hook][] = [
    ['ferritin 50, TSAT unknown', { ferritin: 50 }, 'patient-view'],
    ['ferritin 90, TSAT 25', { ferritin: 90, tsat: 25 }, 'patient-view'],
    ['no labs', {}, 'patient-view'],
    ['ESRD, ferritin 150, TSAT 10', { ferritin: 150, tsat: 10, esrd: true }, 'patient-view'],
    ['cabergoline draft', { drafts: { medicationRequests: [cabergolineDraft('x')] } }, 'order-sign'],
    [
      'cabergoline for hyperprolactinemia',
      { drafts: { medicationRequests: [cabergolineDraft('y', [{ text: 'Hyperprolactinemia' }])] } },
      'order-select',
    ],
  ];

  test.each(scenarios)(
    'findings for "%s" are ordered critical, then warning, then info',
    (_name, scenario, hook) => {
      const findings = evaluate(snap(scenario), hook);
      expect(findings.length).toBeGreaterThan(0);
      const ranks = findings.map((f) => SEVERITY[f.indicator]);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    },
  );

  test('every finding carries the id of the rule that produced it, and every iron and cabergoline rule fires in some scenario', () => {
    const fired = new Set<string>();
    for (const [, scenario] of scenarios) {
      const s = snap(scenario);
      for (const rule of RULES) {
        for (const hook of rule.hooks) {
          const finding = rule.evaluate(s, hook);
          if (!finding) continue;
          expect(finding.ruleId).toBe(rule.id);
          fired.add(rule.id);
        }
      }
    }
    // the borderline rule needs its own scenario
    const borderline = ironBorderline.evaluate(snap({ ferritin: 90, tsat: 25 }), 'patient-view');
    expect(borderline?.ruleId).toBe('iron-borderline');
    fired.add('iron-borderline');
    const covered = [
      'avoid-cabergoline',
      'esrd-iron-not-optimized',
      'iron-borderline',
      'iron-not-optimized',
      'iron-studies-due',
    ];
    expect([...fired].filter((id) => covered.includes(id)).sort()).toEqual(covered);
  });

  test('rule ids are unique', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('rules read snapshots built directly', () => {
  test('a hand-built snapshot with ferritin 75 and TSAT 30 is not optimized', () => {
    const s: PatientSnapshot = {
      ...snap({}),
      ferritin: freshLab(75, 'ng/mL'),
      tsat: freshLab(30, '%'),
    };
    expect(ironNotOptimized(s)).toBe(true);
    expect(firedIds(s)).toEqual(['iron-not-optimized']);
  });

  test('a hand-built snapshot with ferritin 75.5 and TSAT 30 is borderline', () => {
    const s: PatientSnapshot = { ...snap({}), ferritin: freshLab(75.5, 'ng/mL'), tsat: freshLab(30, '%') };
    expect(firedIds(s)).toEqual(['iron-borderline']);
  });
});
