/**
 * Which prefetch keys each rule reads, so that a key read only in part is
 * named on exactly the cards whose rules depend on it; and the pass that
 * does so after evaluation.
 *
 * Every rule reads the problem list (the RLS diagnosis and its exclusions)
 * and the medication lists; the table adds what else each reads.
 */
import type { PartialRead } from '../clinical/snapshot.js';
import type { PrefetchKey } from '../protocol/prefetch-catalog.js';
import { DATA_INCOMPLETE, decisivePartial } from './data-incomplete.js';
import type { Finding } from './types.js';

const EVERY_RULE: readonly PrefetchKey[] = [
  'patient',
  'conditions',
  'medicationRequests',
  'medicationStatements',
  'medicationAdministrations',
];

const IRON: readonly PrefetchKey[] = ['ironStudies'];
const SCORES: readonly PrefetchKey[] = ['rlsAssessments'];
const OSA_AND_SCREENING: readonly PrefetchKey[] = ['procedures', 'deviceUseStatements'];

/** The keys each rule reads beyond {@link EVERY_RULE}. Every rule id has an entry (a test checks it). */
export const RULE_READS: Readonly<Record<string, readonly PrefetchKey[]>> = {
  'iron-not-optimized': IRON,
  'iron-borderline': IRON,
  'iron-studies-due': IRON,
  'iron-recheck-after-infusion': IRON,
  'esrd-iron-not-optimized': [...IRON, ...OSA_AND_SCREENING],
  'esrd-gabapentin-dose': OSA_AND_SCREENING,
  'esrd-avoid-pregabalin': OSA_AND_SCREENING,
  'esrd-avoid-gabapentin-enacarbil': OSA_AND_SCREENING,
  'refractory-next-step': [...IRON, ...SCORES, ...OSA_AND_SCREENING],
  'augmentation-suspected': [...SCORES, ...OSA_AND_SCREENING],
  'dopamine-agonist-review': SCORES,
  'dopamine-agonist-dose-increase': SCORES,
  'dopamine-agonist-new-start': SCORES,
  'levodopa-new-start': SCORES,
  'avoid-cabergoline': IRON,
  'avoid-bupropion': [],
  'avoid-carbamazepine': [],
  'avoid-clonazepam': OSA_AND_SCREENING,
  'avoid-valproate': [],
  'exacerbating-factors': [],
  'exacerbating-drug-order': [],
  'opioid-before-iron': [...IRON, ...OSA_AND_SCREENING],
  'opioid-safety-checks': [...IRON, ...OSA_AND_SCREENING, ...SCORES],
  'opioid-dose-above-start': OSA_AND_SCREENING,
  'sedative-combination-untreated-osa': OSA_AND_SCREENING,
  'reassess-irls': [...SCORES, ...IRON],
  [DATA_INCOMPLETE]: [],
};

/** The prefetch keys a rule reads. */
export function readsOf(ruleId: string): readonly PrefetchKey[] {
  return [...EVERY_RULE, ...(RULE_READS[ruleId] ?? [])];
}

/**
 * Names each partial read on the cards whose rules read that key (added to
 * "missing" unless already there), and drops the `data-incomplete` finding
 * when every decisive gap it would report is already named on another card.
 */
export function namePartialReads(findings: readonly Finding[], partial: readonly PartialRead[]): Finding[] {
  if (partial.length === 0) return [...findings];
  const named = findings.map((f) => {
    if (f.ruleId === DATA_INCOMPLETE) return f;
    const reads = new Set<string>(readsOf(f.ruleId));
    const lines = partial.filter((p) => reads.has(p.key) && !f.missing.includes(p.text)).map((p) => p.text);
    return lines.length > 0 ? { ...f, missing: [...f.missing, ...lines] } : f;
  });
  const others = named.filter((f) => f.ruleId !== DATA_INCOMPLETE);
  const gapsNamedElsewhere = decisivePartial(partial).every((p) =>
    others.some((f) => f.missing.includes(p.text)),
  );
  return gapsNamedElsewhere ? others : named;
}
