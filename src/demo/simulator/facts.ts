/**
 * "What the service sees": the patient facts derived from one hook request by
 * the service's own gathering and snapshot code, for the simulator's chart.
 * Only the request's prefetch is used; nothing is fetched from a FHIR server.
 */
import type { LabFinding, LabValue } from '../../clinical/labs.js';
import type { MedicationFact } from '../../clinical/medications.js';
import { snapshotFor } from '../../cds-hooks/handler.js';
import type { HookRequest } from '../../cds-hooks/request.js';
import { SERVICES } from '../../cds-hooks/services.js';
import type { FactsView, LabFindingView, LabView, MedicationView } from './api-types.js';

function lab(v: LabValue): LabView {
  return {
    value: v.value,
    unit: v.unit,
    effective: v.effective,
    ...(v.reportedAs ? { reportedAs: v.reportedAs } : {}),
    ...(v.computedFrom ? { computedFrom: { iron: v.computedFrom.iron, tibc: v.computedFrom.tibc } } : {}),
  };
}

function finding(f: LabFinding): LabFindingView {
  return {
    ...(f.latest ? { latest: lab(f.latest) } : {}),
    ...(f.stale ? { stale: lab(f.stale) } : {}),
    ignored: [...f.ignored],
  };
}

function medication(m: MedicationFact & { selected?: boolean }): MedicationView {
  return {
    reference: m.reference,
    ingredient: m.ingredient.display,
    classes: [...m.classes],
    display: m.display,
    status: m.status,
    dose: m.dose.known
      ? { known: true, mgPerDay: m.dose.mgPerDay, how: m.dose.how }
      : { known: false, reason: m.dose.reason },
    ...(m.start ? { start: m.start } : {}),
    matchedByText: m.matchedByText,
    ...(m.selected !== undefined ? { selected: m.selected } : {}),
  };
}

/** The facts for a validated hook request, as the service of that hook would derive them at `now`. */
export async function factsFor(request: HookRequest, now: Date): Promise<FactsView> {
  const service = SERVICES.find((s) => s.hook === request.hook);
  if (!service) throw new Error(`no service for hook ${request.hook}`);
  // The same pipeline as the hook call, on the request's prefetch alone (no FHIR server).
  const result = await snapshotFor(service, request, { now });
  const base = { patientId: request.patientId, hook: request.hook, now: now.toISOString() };
  if (!result.ok) {
    return {
      ...base,
      conditions: [],
      absentConditions: [],
      ferritin: { ignored: [] },
      tsat: { ignored: [] },
      currentTherapy: [],
      medicationHistory: [],
      draftOrders: [],
      irlsScores: [],
      unavailable: [],
      missing: result.missing.map((m) => `${m.description}: ${m.reason}`),
    };
  }
  const s = result.snapshot;
  const named = [
    ['Restless legs syndrome', s.rls],
    ['End-stage renal disease', s.esrd],
    ['Sleep apnea (any type)', s.osa],
    ['Opioid use disorder', s.opioidUseDisorder],
    ['Pregnancy', s.pregnancy],
  ] as const;
  const current = new Set(s.currentTherapy.map((m) => m.reference));
  const why = new Map(s.completedStillCurrent.map((c) => [c.fact.reference, c.why]));
  return {
    ...base,
    conditions: named.flatMap(([label, c]) =>
      c
        ? [
            {
              label,
              display: c.display,
              ...(c.code ? { code: c.code } : {}),
              ...(c.date ? { date: c.date } : {}),
              matchedByText: c.matchedByText,
            },
          ]
        : [],
    ),
    absentConditions: named.filter(([, c]) => !c).map(([label]) => label),
    ferritin: finding(s.ferritin),
    tsat: finding(s.tsat),
    currentTherapy: s.currentTherapy.map((m) => {
      const stillCurrent = why.get(m.reference);
      return { ...medication(m), ...(stillCurrent ? { stillCurrent } : {}) };
    }),
    medicationHistory: s.medicationHistory.filter((m) => !current.has(m.reference)).map(medication),
    draftOrders: s.draftOrders.map(medication),
    irlsScores: s.irlsScores.map((x) => ({ value: x.value, effective: x.effective })),
    unavailable: [...s.unavailable],
    missing: [],
  };
}
