/**
 * Opioid gates: conditions under which the service never offers an opioid
 * draft order for RLS (catalog policy, docs/clinical.md). Opioid use disorder (active or
 * remitted), pregnancy, untreated sleep apnea of any type, and drugs that
 * worsen RLS still being taken. Pure: the snapshot in, the gates out.
 *
 * Each gate carries the reason to show (the patient's own record, with its
 * date) and what fits instead, so every card that withholds an opioid says
 * why and what to do.
 */
import type { ConditionFact } from '../clinical/conditions.js';
import type { MedicationFact } from '../clinical/medications.js';
import type { PatientSnapshot } from '../clinical/snapshot.js';
import { displayDate } from '../clinical/time.js';
import { medication } from './describe.js';
import { ofClass } from './focus.js';

/** The gates, by stable id. */
export type OpioidGateId =
  'opioid-use-disorder' | 'pregnancy' | 'untreated-sleep-apnea' | 'exacerbating-factors';

/** One gate that applies to this patient. */
export interface OpioidGate {
  readonly id: OpioidGateId;
  /** Short name for a summary line: "opioid use disorder", "pregnancy", ... */
  readonly label: string;
  /** Why it applies, from the patient's record (with dates): one line for the card. */
  readonly reason: string;
  /** What fits instead of an opioid while this gate applies. */
  readonly instead: string;
}

/** Drugs that worsen RLS: antidepressants (SSRI, SNRI, TCA, mirtazapine), sedating antihistamines, dopamine antagonists. */
export const EXACERBATING_DRUG = ofClass('antidepressant', 'sedating-antihistamine', 'dopamine-antagonist');

/** The class of an exacerbating drug in plain words. */
export function exacerbatingLabel(m: MedicationFact): string {
  if (m.classes.includes('antidepressant')) return 'antidepressant';
  if (m.classes.includes('sedating-antihistamine')) return 'sedating antihistamine';
  return 'dopamine antagonist';
}

function since(c: ConditionFact): string {
  return c.date ? ` (recorded ${displayDate(c.date)})` : ' (no date recorded)';
}

/** Untreated sleep apnea of any type, or undefined when there is none or it is treated. */
export function untreatedSleepApnea(s: PatientSnapshot): ConditionFact | undefined {
  return s.osa && !s.osaTreatment ? s.osa : undefined;
}

/** Active drugs that worsen RLS. */
export function exacerbatingDrugs(s: PatientSnapshot): MedicationFact[] {
  return s.activeMedications.filter(EXACERBATING_DRUG);
}

/**
 * Every opioid gate that applies to the patient, in a fixed order: opioid use
 * disorder, pregnancy, untreated sleep apnea, exacerbating drugs. Empty when an
 * opioid may be offered (after the usual safety checks).
 */
export function opioidGates(s: PatientSnapshot): OpioidGate[] {
  const gates: OpioidGate[] = [];
  const oud = s.opioidUseDisorder;
  if (oud) {
    const phase = oud.onAgonistTherapy ? 'on agonist therapy' : oud.inRemission ? 'in remission' : 'active';
    gates.push({
      id: 'opioid-use-disorder',
      label: 'opioid use disorder',
      reason: `opioid use disorder (${phase}) on the problem list: ${oud.display}${since(oud)}`,
      instead:
        'review with addiction medicine or the clinician treating the opioid use disorder; consider bilateral high-frequency peroneal nerve stimulation',
    });
  }
  if (s.pregnancy) {
    gates.push({
      id: 'pregnancy',
      label: 'pregnancy',
      reason: `pregnancy: ${s.pregnancy.display}${since(s.pregnancy)}`,
      instead:
        'involve obstetrics and a sleep specialist before any opioid; check iron (ferritin, TSAT) and consider non-drug measures',
    });
  }
  const apnea = untreatedSleepApnea(s);
  if (apnea) {
    gates.push({
      id: 'untreated-sleep-apnea',
      label: 'untreated sleep apnea',
      reason: `sleep apnea without treatment on record: ${apnea.display}${since(apnea)}`,
      instead:
        'treat the sleep apnea first (PAP therapy or an oral appliance); a diagnostic or titration study is not treatment',
    });
  }
  const drugs = exacerbatingDrugs(s);
  if (drugs.length > 0) {
    gates.push({
      id: 'exacerbating-factors',
      label: 'drugs that worsen RLS',
      reason: `drugs that worsen RLS are still taken: ${drugs.map((m) => `${exacerbatingLabel(m)} ${medication(m)}`).join('; ')}`,
      instead:
        'review or deprescribe the drug that worsens RLS, then reassess: RLS is not refractory while it remains',
    });
  }
  return gates;
}

/** The gates as card lines: "not offered: <reason>; instead: <what fits>". */
export function gateLines(gates: readonly OpioidGate[]): string[] {
  return gates.map((g) => `opioid not offered: ${g.reason}. Instead: ${g.instead}`);
}

/** "opioid use disorder and pregnancy" for a summary. */
export function gateNames(gates: readonly OpioidGate[]): string {
  const labels = gates.map((g) => g.label);
  if (labels.length <= 1) return labels[0] ?? '';
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1] ?? ''}`;
}
