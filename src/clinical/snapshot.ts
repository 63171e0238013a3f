/**
 * The patient snapshot: typed clinical facts built once per hook call from the
 * FHIR data gathered for it. Pure: the same data and clock give the same snapshot.
 */
import type {
  Condition,
  DeviceUseStatement,
  Procedure,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
} from 'fhir/r4.js';
import {
  type ConditionFact,
  clinicalStatusOf,
  findActiveCondition,
  isConditionActive,
  matchConcept,
  str,
} from './conditions.js';
import { MAX_PARSED_TEXT } from '../knowledge/drug-catalog.js';
import { type LabFinding, latestFerritin, latestTsat, withoutResultsBefore } from './labs.js';
import {
  type MedicationFact,
  fromMedicationAdministration,
  fromMedicationRequest,
  fromMedicationStatement,
  isActive,
  isHistory,
} from './medications.js';
import {
  AUGMENTATION,
  CKD_STAGE_5,
  DIALYSIS_ACCESS_TEXT,
  DIALYSIS_PROCEDURE,
  ESRD,
  IRLS,
  OPIOID_RISK_SCREEN,
  OPIOID_USE_DISORDER,
  OPIOID_USE_DISORDER_IN_REMISSION,
  OPIOID_USE_DISORDER_ON_AGONIST,
  OSA_TREATMENT_TEXT,
  PREGNANCY,
  RLS,
  SLEEP_APNEA,
  SLEEP_STUDY_TEXT,
  type CompiledValueSet,
  inValueSet,
} from '../knowledge/terminology.js';
import {
  DIALYSIS_PROCEDURE_WITHIN_DAYS,
  LAB_FRESHNESS_MONTHS,
  PREGNANCY_WITHIN_MONTHS,
  SLEEP_APNEA_TREATMENT_WITHIN_MONTHS,
} from '../knowledge/thresholds.js';
import { isUsableStatus, monthsBefore, observationTime, parseFhirTime } from './time.js';
import { type CompletedInBaseline, completedOrdersStillCurrent, currentTherapyOf } from './regimen.js';

/** Everything gathered for one call, already filtered to this patient. */
export interface PatientData {
  readonly patientId: string;
  readonly patient?: Patient;
  readonly conditions: readonly Condition[];
  readonly observations: readonly Observation[];
  readonly medicationRequests: readonly MedicationRequest[];
  readonly medicationStatements: readonly MedicationStatement[];
  readonly medicationAdministrations?: readonly MedicationAdministration[];
  readonly procedures?: readonly Procedure[];
  readonly deviceUseStatements?: readonly DeviceUseStatement[];
  /** Medications that requests and statements reference, by every reference form that reaches them. */
  readonly medications: ReadonlyMap<string, Medication>;
  /** Data that could not be obtained (optional prefetch keys), named for the cards. */
  readonly unavailable: readonly string[];
  /** Queries read only in part (page limit, byte budget, a later page failed). */
  readonly partial?: readonly PartialRead[];
}

/** A query read only in part: its prefetch key, and the line cards show about it. */
export interface PartialRead {
  readonly key: string;
  readonly text: string;
}

/** A draft order under review at order-select / order-sign. */
export interface DraftOrderFact extends MedicationFact {
  /** True when the order is in `selections` (order-select) or the hook is order-sign. */
  readonly selected: boolean;
}

/** Something recorded once (a procedure, a device, a finding), with its date when known. */
export interface RecordedFact {
  readonly display: string;
  readonly date?: string;
}

/** The latest IV iron dose on record (ordered, reported or administered). */
export interface IvIronDose {
  /** Product or text as written. */
  readonly display: string;
  /** Administration time, effective date, or authoredOn, as recorded. */
  readonly date: string;
  readonly time: number;
  /** `MedicationAdministration/1`, `MedicationRequest/2` ... */
  readonly reference: string;
  readonly status: string;
}

/** An active condition as written on the problem list. */
export interface ProblemFact {
  /** The condition's text and coding displays, joined. */
  readonly text: string;
  readonly date?: string;
}

function problemList(conditions: readonly Condition[]): ProblemFact[] {
  const out: ProblemFact[] = [];
  for (const c of conditions) {
    if (!isConditionActive(c)) continue;
    const text = [...new Set(texts(c.code))].join('; ');
    if (!text) continue;
    const date = str(c.onsetDateTime) ?? str(c.recordedDate);
    out.push({ text, ...(date ? { date } : {}) });
  }
  return out;
}

/** An IRLS total score. */
export interface ScoreFact {
  readonly value: number;
  readonly effective: string;
  readonly time: number;
}

/** Opioid use disorder on the problem list, with its phase. */
export interface OpioidUseDisorderFact extends ConditionFact {
  /** Coded as in remission (F11.11, F11.21, 191821007) or recorded with clinical status remission. */
  readonly inRemission: boolean;
  /** Coded (or written) as on agonist (maintenance) therapy. */
  readonly onAgonistTherapy: boolean;
}

/** The typed clinical facts the rules read. */
export interface PatientSnapshot {
  readonly patientId: string;
  readonly now: Date;
  /** RLS, active or in remission; a text-only record counts only when no RLS record is coded. */
  readonly rls?: ConditionFact;
  /** True when RLS is known only in remission (controlled). */
  readonly rlsInRemission?: boolean;
  /** ESRD, or CKD stage 5 with dialysis (a dialysis code, or a dialysis procedure in the last 90 days). */
  readonly esrd?: ConditionFact;
  /** The dialysis procedure that made CKD stage 5 count as ESRD, when that is how it was known. */
  readonly dialysis?: RecordedFact;
  /** Sleep apnea of any type (obstructive, central, unspecified, other), active. */
  readonly osa?: ConditionFact;
  /** Opioid use disorder, active or remitted (history still counts). */
  readonly opioidUseDisorder?: OpioidUseDisorderFact;
  /** Pregnancy with onset (or recorded date) in the last 10 months; an undated record counts too. */
  readonly pregnancy?: ConditionFact;
  /**
   * Sleep apnea treatment on record, recognised by text: a DeviceUseStatement in use
   * for PAP or an oral appliance, or a therapeutic procedure in the last 12 months.
   * Diagnostic studies (polysomnography, home sleep test, titration study) are not treatment.
   */
  readonly osaTreatment?: RecordedFact;
  /** A documented opioid-misuse risk screen. */
  readonly opioidRiskScreen?: RecordedFact;
  /** A recorded augmentation finding (local code). */
  readonly augmentationFinding?: RecordedFact;
  /** The latest IV iron dose (any status but cancelled, entered in error, draft, not taken or not done). */
  readonly latestIvIron?: IvIronDose;
  /** Ferritin and TSAT: a result drawn before an IV iron dose of the last 12 months is not current. */
  readonly ferritin: LabFinding;
  readonly tsat: LabFinding;
  /** Active and on-hold orders, active statements: the status as recorded. */
  readonly activeMedications: readonly MedicationFact[];
  readonly medicationHistory: readonly MedicationFact[];
  /**
   * Completed orders of a dopaminergic drug, alpha-2-delta ligand or opioid that
   * the patient still takes (a dispensed prescription is marked completed), with
   * why: read once here, for every hook (catalog policy; docs/clinical.md, "What the
   * snapshot knows").
   */
  readonly completedStillCurrent: readonly CompletedInBaseline[];
  /**
   * What the patient takes now: the active medications plus the completed orders
   * still current (a reported medication restating one of those orders counted
   * once, as the order). Patient-view rules read it; at order time it is what the
   * selected drafts are added to, and the dose comparisons use the regimen at order
   * time (`orderRegimen`), which counts the same completed orders once.
   */
  readonly currentTherapy: readonly MedicationFact[];
  readonly irlsScores: readonly ScoreFact[];
  /** Every active condition as written (text and coding displays), for indications matched on text. */
  readonly problemList: readonly ProblemFact[];
  readonly draftOrders: readonly DraftOrderFact[];
  readonly unavailable: readonly string[];
  /** Queries read only in part (see {@link PartialRead}); empty when everything was read. */
  readonly partial: readonly PartialRead[];
}

/** The draft orders of an order hook: the Bundle and, for order-select, the selected references. */
export interface DraftOrders {
  readonly medicationRequests: readonly MedicationRequest[];
  /** `MedicationRequest/id` references being selected now; undefined means every draft (order-sign). */
  readonly selections?: readonly string[];
}

function irlsScores(observations: readonly Observation[]): ScoreFact[] {
  const scores: ScoreFact[] = [];
  for (const obs of observations) {
    if (!isUsableStatus(obs.status)) continue;
    if (!(obs.code?.coding ?? []).some((c) => inValueSet(IRLS, c.system, c.code))) continue;
    const value = obs.valueQuantity?.value ?? obs.valueInteger;
    const when = observationTime(obs);
    if (typeof value !== 'number' || !when) continue;
    scores.push({ value, ...when });
  }
  return scores.sort((a, b) => a.time - b.time);
}

const PROCEDURE_DONE = new Set(['completed', 'in-progress']);
const DEVICE_IN_USE = new Set(['active']);

function texts(cc: { text?: string; coding?: { display?: string }[] } | undefined): string[] {
  return [cc?.text, ...(cc?.coding ?? []).map((c) => c.display)].filter(
    (t): t is string => typeof t === 'string',
  );
}

function latest(found: RecordedFact[]): RecordedFact | undefined {
  return found.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))[0];
}

function mentionsAny(words: readonly string[]): (t: string) => boolean {
  const patterns = words.map((w) => new RegExp(`(^|[^a-z])${w.replace(/[-/]/g, '\\$&')}($|[^a-z])`, 'i'));
  return (t) => patterns.some((p) => p.test(t));
}
const mentionsTreatment = mentionsAny(OSA_TREATMENT_TEXT);
const mentionsStudy = mentionsAny(SLEEP_STUDY_TEXT);
/** Names a sleep apnea therapy and is not a diagnostic study (a CPAP titration study is diagnosis). */
const namesTherapy = (t: string): boolean => mentionsTreatment(t) && !mentionsStudy(t);

/**
 * Sleep apnea treatment: a DeviceUseStatement in use (status active) that names
 * a PAP device or oral appliance, or a performed Procedure naming a therapy
 * within the last 12 months (or still in progress). Diagnostic studies never count.
 */
function findOsaTreatment(
  procedures: readonly Procedure[],
  devices: readonly DeviceUseStatement[],
  now: Date,
): RecordedFact | undefined {
  const since = monthsBefore(now, SLEEP_APNEA_TREATMENT_WITHIN_MONTHS).getTime();
  const found: RecordedFact[] = [];
  for (const p of procedures) {
    if (!PROCEDURE_DONE.has(p.status)) continue;
    const t = texts(p.code).find(namesTherapy);
    if (!t) continue;
    const date = str(p.performedDateTime) ?? str(p.performedPeriod?.end) ?? str(p.performedPeriod?.start);
    const time = parseFhirTime(date);
    const ongoing = p.status === 'in-progress' || (!!p.performedPeriod?.start && !p.performedPeriod.end);
    if (!ongoing && (time === undefined || time < since)) continue;
    found.push({ display: t, ...(date ? { date } : {}) });
  }
  for (const d of devices) {
    if (!DEVICE_IN_USE.has(d.status)) continue;
    const t = [d.device?.display, ...(d.reasonCode ?? []).flatMap(texts)].find(
      (x): x is string => !!x && namesTherapy(x),
    );
    const date = str(d.timingDateTime) ?? str(d.timingPeriod?.start) ?? str(d.recordedOn);
    if (t) found.push({ display: t, ...(date ? { date } : {}) });
  }
  return latest(found);
}

/** Names work on a dialysis access (placement, insertion, creation ...), not a dialysis session. */
const mentionsDialysisAccess = mentionsAny(DIALYSIS_ACCESS_TEXT);

/**
 * A performed dialysis procedure whose date or period reaches into the last 90 days. A
 * procedure recognised by its text only does not count when the text is access surgery or
 * catheter work ({@link DIALYSIS_ACCESS_TEXT}).
 */
function findDialysis(procedures: readonly Procedure[], now: Date): RecordedFact | undefined {
  const since = now.getTime() - DIALYSIS_PROCEDURE_WITHIN_DAYS * 86_400_000;
  const found: RecordedFact[] = [];
  for (const p of procedures) {
    if (!PROCEDURE_DONE.has(p.status)) continue;
    const m = matchConcept(p.code, DIALYSIS_PROCEDURE);
    if (!m || (m.matchedByText && texts(p.code).some(mentionsDialysisAccess))) continue;
    const end = str(p.performedDateTime) ?? str(p.performedPeriod?.end);
    const open = !p.performedDateTime && !!p.performedPeriod?.start && !p.performedPeriod.end;
    const endTime = parseFhirTime(end);
    if (!open && (endTime === undefined || endTime < since)) continue;
    const date = end ?? str(p.performedPeriod?.start);
    found.push({ display: m.display, ...(date ? { date } : {}) });
  }
  return latest(found);
}

/**
 * ESRD for the rules: an ESRD or dialysis-dependence code, or CKD stage 5 with
 * a dialysis procedure in the last 90 days.
 */
function findEsrd(
  conditions: readonly Condition[],
  procedures: readonly Procedure[],
  now: Date,
): { esrd?: ConditionFact; dialysis?: RecordedFact } {
  const esrd = findActiveCondition(conditions, ESRD);
  if (esrd) return { esrd };
  const ckd5 = findActiveCondition(conditions, CKD_STAGE_5);
  const dialysis = ckd5 ? findDialysis(procedures, now) : undefined;
  return ckd5 && dialysis ? { esrd: ckd5, dialysis } : {};
}

function codedIn(c: Condition, vs: CompiledValueSet): boolean {
  return (c.code?.coding ?? []).some((x) => inValueSet(vs, x.system, x.code));
}

/** Opioid use disorder, active or in remission, with its phase. */
function findOpioidUseDisorder(conditions: readonly Condition[]): OpioidUseDisorderFact | undefined {
  const found = findActiveCondition(conditions, OPIOID_USE_DISORDER, { remission: true });
  if (!found) return undefined;
  const current = conditions.filter(
    (c) => isConditionActive(c, true) && !!matchConcept(c.code, OPIOID_USE_DISORDER),
  );
  const remitted = (c: Condition): boolean =>
    clinicalStatusOf(c) === 'remission' ||
    codedIn(c, OPIOID_USE_DISORDER_IN_REMISSION) ||
    texts(c.code).some((t) => /\bin (sustained |early )?remission\b/i.test(t));
  const onAgonistTherapy = current.some(
    (c) =>
      codedIn(c, OPIOID_USE_DISORDER_ON_AGONIST) ||
      texts(c.code).some((t) => /\b(agonist|maintenance) therapy\b/i.test(t)),
  );
  return { ...found, inRemission: current.every(remitted), onAgonistTherapy };
}

/** A documented opioid-misuse risk screen (Procedure or Observation). */
function findRiskScreen(
  procedures: readonly Procedure[],
  observations: readonly Observation[],
): RecordedFact | undefined {
  const found: RecordedFact[] = [];
  for (const p of procedures) {
    if (p.status !== 'completed') continue;
    const m = matchConcept(p.code, OPIOID_RISK_SCREEN);
    const date = str(p.performedDateTime) ?? str(p.performedPeriod?.start);
    if (m) found.push({ display: m.display, ...(date ? { date } : {}) });
  }
  for (const o of observations) {
    if (!isUsableStatus(o.status)) continue;
    const m = matchConcept(o.code, OPIOID_RISK_SCREEN);
    const date = observationTime(o)?.effective;
    if (m) found.push({ display: m.display, ...(date ? { date } : {}) });
  }
  return latest(found);
}

/** A recorded augmentation finding: an active Condition or a final Observation with the local code. */
function findAugmentation(
  conditions: readonly Condition[],
  observations: readonly Observation[],
): RecordedFact | undefined {
  const found: RecordedFact[] = [];
  for (const c of conditions) {
    if (!isConditionActive(c)) continue;
    if (!(c.code?.coding ?? []).some((x) => inValueSet(AUGMENTATION, x.system, x.code))) continue;
    const date = str(c.onsetDateTime) ?? str(c.recordedDate);
    found.push({ display: 'augmentation recorded on the problem list', ...(date ? { date } : {}) });
  }
  // Observations are assessments: the latest one decides, and a negative value means no augmentation.
  let latestAssessment: { o: Observation; time: number } | undefined;
  for (const o of observations) {
    if (!isUsableStatus(o.status)) continue;
    if (!(o.code?.coding ?? []).some((x) => inValueSet(AUGMENTATION, x.system, x.code))) continue;
    const time = observationTime(o)?.time ?? Number.NEGATIVE_INFINITY;
    if (!latestAssessment || time >= latestAssessment.time) latestAssessment = { o, time };
  }
  if (latestAssessment && !isNegativeFinding(latestAssessment.o)) {
    const date = observationTime(latestAssessment.o)?.effective;
    found.push({ display: 'augmentation recorded as a clinical finding', ...(date ? { date } : {}) });
  }
  return latest(found);
}

/** Words that record a finding as absent: "Absent", "No", "Not present", "Negative", "None", "Ruled out". */
const NEGATIVE_TEXT = /^\s*(?:no|none|false|absent|negative|not present|not detected|denied|ruled out)\b/i;
const NEGATIVE_ANYWHERE = /\b(?:absent|not present|not detected|ruled out)\b/i;
/** HL7 ObservationInterpretation codes for a negative result: NEG (negative), ND (not detected). */
const NEGATIVE_INTERPRETATION = new Set(['NEG', 'ND']);

/**
 * True when an assessment records the finding as absent: a false boolean, a
 * coded or written value that says absent / no / not present / negative, or a
 * negative interpretation. A finding with no value counts as present.
 */
export function isNegativeFinding(o: Observation): boolean {
  if (o.valueBoolean === false) return true;
  const words = [
    ...texts(o.valueCodeableConcept),
    ...(typeof o.valueString === 'string' ? [o.valueString] : []),
  ].map((t) => t.slice(0, MAX_PARSED_TEXT));
  if (words.some((t) => NEGATIVE_TEXT.test(t) || NEGATIVE_ANYWHERE.test(t))) return true;
  return (o.interpretation ?? []).some(
    (i) =>
      (i.coding ?? []).some((c) => typeof c.code === 'string' && NEGATIVE_INTERPRETATION.has(c.code)) ||
      texts(i).some((t) => NEGATIVE_TEXT.test(t.slice(0, MAX_PARSED_TEXT))),
  );
}

/**
 * Keeps the records that the fact readers can read. A record with a
 * malformed shape (a string where FHIR has an array, a number for a code)
 * makes its reader throw; it is skipped and counted, never fatal.
 */
function readable<T>(items: readonly T[], probe: (item: T) => unknown, what: string, skipped: string[]): T[] {
  const kept: T[] = [];
  let dropped = 0;
  for (const item of items) {
    try {
      probe(item);
      kept.push(item);
    } catch {
      dropped += 1;
    }
  }
  if (dropped > 0) skipped.push(`${dropped} ${what} record(s) could not be read and were skipped`);
  return kept;
}

/** The records the fact readers can read, each kind probed record by record (the slow path). */
function readableRecords(
  data: PatientData,
  now: Date,
  skipped: string[],
): [Condition[], Observation[], Procedure[], DeviceUseStatement[]] {
  const conditions = readable(
    data.conditions,
    (c) => {
      [RLS, SLEEP_APNEA, PREGNANCY].forEach((vs) => findActiveCondition([c], vs));
      findOpioidUseDisorder([c]);
    },
    'Condition',
    skipped,
  );
  const observations = readable(
    data.observations,
    (o) => {
      latestFerritin([o], now);
      latestTsat([o], now);
      irlsScores([o]);
      findRiskScreen([], [o]);
      findAugmentation([], [o]);
    },
    'Observation',
    skipped,
  );
  const procedures = readable(
    data.procedures ?? [],
    (p) => {
      findOsaTreatment([p], [], now);
      findDialysis([p], now);
      findRiskScreen([p], []);
    },
    'Procedure',
    skipped,
  );
  const devices = readable(
    data.deviceUseStatements ?? [],
    (d) => findOsaTreatment([], [d], now),
    'DeviceUseStatement',
    skipped,
  );
  return [conditions, observations, procedures, devices];
}

/** The facts read from conditions, observations, procedures and devices. */
function recordFacts(
  conditions: readonly Condition[],
  observations: readonly Observation[],
  procedures: readonly Procedure[],
  devices: readonly DeviceUseStatement[],
  now: Date,
) {
  const rls = findActiveCondition(conditions, RLS, { remission: true, textOnlyWhenNoCoded: true });
  const rlsActive = rls ? findActiveCondition(conditions, RLS, { textOnlyWhenNoCoded: true }) : undefined;
  return {
    rls,
    rlsInRemission: !!rls && !rlsActive,
    ...findEsrd(conditions, procedures, now),
    osa: findActiveCondition(conditions, SLEEP_APNEA),
    opioidUseDisorder: findOpioidUseDisorder(conditions),
    pregnancy: findActiveCondition(conditions, PREGNANCY, {
      since: monthsBefore(now, PREGNANCY_WITHIN_MONTHS).getTime(),
    }),
    osaTreatment: findOsaTreatment(procedures, devices, now),
    opioidRiskScreen: findRiskScreen(procedures, observations),
    augmentationFinding: findAugmentation(conditions, observations),
    ferritin: latestFerritin(observations, now),
    tsat: latestTsat(observations, now),
    irlsScores: irlsScores(observations),
    problemList: problemList(conditions),
  };
}

const NOT_A_DOSE = new Set(['cancelled', 'entered-in-error', 'draft', 'not-taken', 'not-done']);

/**
 * The latest IV iron dose: a MedicationRequest (authoredOn), MedicationStatement
 * (effective) or MedicationAdministration (effective) of an IV iron product, of
 * any status that does not say the dose was never given. Future dates are ignored.
 */
function latestIvIronDose(
  facts: readonly MedicationFact[],
  administrations: readonly ReturnType<typeof fromMedicationAdministration>[],
  now: Date,
): IvIronDose | undefined {
  const doses: IvIronDose[] = [];
  const add = (display: string, date: string | undefined, reference: string, status: string): void => {
    const time = parseFhirTime(date);
    if (!date || time === undefined || time > now.getTime() || NOT_A_DOSE.has(status)) return;
    doses.push({ display, date, time, reference, status });
  };
  for (const f of facts) if (f.classes.includes('iron-iv')) add(f.display, f.start, f.reference, f.status);
  for (const a of administrations)
    if (a?.ingredient.classes.includes('iron-iv')) add(a.display, a.date, a.reference, a.status);
  return doses.sort((a, b) => b.time - a.time)[0];
}

/** "IV iron ferric carboxymaltose 750 mg (MedicationAdministration/x) on 2026-10-02" */
export function describeIvIron(dose: IvIronDose): string {
  return `the IV iron dose of ${dose.date.slice(0, 10)} (${dose.display}, ${dose.reference}, ${dose.status})`;
}

/** Builds the snapshot. `now` is injected so that freshness rules can be tested on a fixed clock. */
export function buildSnapshot(data: PatientData, now: Date, drafts?: DraftOrders): PatientSnapshot {
  const resolve = (reference: string): Medication | undefined => data.medications.get(reference);
  const skipped: string[] = [];
  let records: ReturnType<typeof recordFacts>;
  try {
    // Well-formed records (nearly always) are read once; only when a reader throws are they
    // probed one by one below, and the unreadable ones skipped.
    records = recordFacts(
      data.conditions,
      data.observations,
      data.procedures ?? [],
      data.deviceUseStatements ?? [],
      now,
    );
  } catch {
    records = recordFacts(...readableRecords(data, now, skipped), now);
  }
  const facts: MedicationFact[] = [];
  const medicationFact = <T>(
    read: (r: T, m: typeof resolve) => MedicationFact | undefined,
    r: T,
  ): MedicationFact | undefined => {
    try {
      return read(r, resolve);
    } catch {
      skipped.push('a medication record could not be read and was skipped');
      return undefined;
    }
  };
  for (const mr of data.medicationRequests) {
    const fact = medicationFact(fromMedicationRequest, mr);
    if (fact) facts.push(fact);
  }
  for (const ms of data.medicationStatements) {
    const fact = medicationFact(fromMedicationStatement, ms);
    if (fact) facts.push(fact);
  }

  const administrations = (data.medicationAdministrations ?? []).map((ma) => {
    try {
      return fromMedicationAdministration(ma, resolve);
    } catch {
      skipped.push('a medication record could not be read and was skipped');
      return undefined;
    }
  });
  const latestIvIron = latestIvIronDose(facts, administrations, now);
  let { ferritin, tsat } = records;
  if (latestIvIron && latestIvIron.time >= monthsBefore(now, LAB_FRESHNESS_MONTHS).getTime()) {
    // A dose recorded by date only: results of that day count as drawn before it (the usual pre-infusion draw).
    const after = latestIvIron.date.length <= 10 ? latestIvIron.time + 86_400_000 : latestIvIron.time;
    ferritin = withoutResultsBefore(ferritin, after, describeIvIron(latestIvIron));
    tsat = withoutResultsBefore(tsat, after, describeIvIron(latestIvIron));
  }

  const draftOrders: DraftOrderFact[] = [];
  const selections = drafts?.selections ? new Set(drafts.selections) : undefined;
  for (const mr of drafts?.medicationRequests ?? []) {
    if (mr.status === 'entered-in-error' || mr.status === 'cancelled') continue;
    const fact = medicationFact(fromMedicationRequest, mr);
    if (!fact) continue;
    draftOrders.push({ ...fact, selected: !selections || selections.has(fact.reference) });
  }

  const activeMedications = facts.filter(isActive);
  const medicationHistory = facts.filter(isHistory);
  const completedStillCurrent = completedOrdersStillCurrent(medicationHistory, now);
  const {
    rls,
    rlsInRemission,
    esrd,
    dialysis,
    osa,
    opioidUseDisorder,
    pregnancy,
    osaTreatment,
    opioidRiskScreen,
    augmentationFinding,
  } = records;
  return {
    patientId: data.patientId,
    now,
    ...(rls ? { rls } : {}),
    ...(rlsInRemission ? { rlsInRemission } : {}),
    ...(esrd ? { esrd } : {}),
    ...(dialysis ? { dialysis } : {}),
    ...(osa ? { osa } : {}),
    ...(opioidUseDisorder ? { opioidUseDisorder } : {}),
    ...(pregnancy ? { pregnancy } : {}),
    ...(osaTreatment ? { osaTreatment } : {}),
    ...(opioidRiskScreen ? { opioidRiskScreen } : {}),
    ...(augmentationFinding ? { augmentationFinding } : {}),
    ...(latestIvIron ? { latestIvIron } : {}),
    ferritin,
    tsat,
    activeMedications,
    medicationHistory,
    completedStillCurrent,
    currentTherapy: currentTherapyOf(activeMedications, completedStillCurrent),
    irlsScores: records.irlsScores,
    problemList: records.problemList,
    draftOrders,
    unavailable: [...data.unavailable, ...new Set(skipped)],
    partial: data.partial ?? [],
  };
}
