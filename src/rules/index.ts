/**
 * The rule registry and the evaluation loop: every rule of the hook, run on
 * one snapshot, findings ordered critical, warning, info.
 */
import type { PatientSnapshot } from '../clinical/snapshot.js';
import { AUGMENTATION_RULES } from './augmentation.js';
import { AVOID_RULES } from './avoid.js';
import { dataIncomplete } from './data-incomplete.js';
import { ESRD_RULES } from './esrd.js';
import { EXACERBATING_ORDER_RULES } from './exacerbating-order.js';
import { IRON_RULES } from './iron.js';
import { MONITORING_RULES } from './monitoring.js';
import { OPIOID_RULES } from './opioid.js';
import { REFRACTORY_RULES } from './refractory.js';
import type { Finding, Rule } from './types.js';
import type { Hook, Indicator } from '../protocol/types.js';

/** Every rule, in catalog order. Rule ids are a public contract: never rename one. */
export const RULES: readonly Rule[] = [
  ...IRON_RULES,
  ...REFRACTORY_RULES,
  ...AUGMENTATION_RULES,
  ...AVOID_RULES,
  ...OPIOID_RULES,
  ...ESRD_RULES,
  ...EXACERBATING_ORDER_RULES,
  ...MONITORING_RULES,
  dataIncomplete,
];

const SEVERITY: Readonly<Record<Indicator, number>> = { critical: 0, warning: 1, info: 2 };

/** Rules that run on a hook. */
export function rulesFor(hook: Hook): readonly Rule[] {
  return RULES.filter((r) => r.hooks.includes(hook));
}

/**
 * Runs every rule of the hook; at most one finding per rule, most severe
 * first, catalog order within a level. A rule that throws (a record shape no
 * test foresaw) is reported through `onRuleError` and skipped, so one rule
 * can never take the other cards down with it.
 */
export function evaluate(
  snapshot: PatientSnapshot,
  hook: Hook,
  onRuleError?: (ruleId: string, error: unknown) => void,
): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rulesFor(hook)) {
    try {
      const finding = rule.evaluate(snapshot, hook);
      if (finding) findings.push(finding);
    } catch (error) {
      onRuleError?.(rule.id, error);
    }
  }
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY[a.f.indicator] - SEVERITY[b.f.indicator] || a.i - b.i)
    .map(({ f }) => f);
}
