/**
 * `data-incomplete`: the query that decides whether any rule applies (the
 * problem list, or the medication lists) was read only in part, so the
 * silence of every other rule means nothing. Never fires on complete data.
 */
import type { PartialRead } from '../clinical/snapshot.js';
import type { Finding, Rule } from './types.js';

/**
 * Prefetch keys that decide whether any rule applies (catalog policy, docs/clinical.md): the RLS
 * diagnosis and its exclusions live in the conditions; the therapies every rule
 * looks at in the medication orders and statements.
 */
export const DECISIVE_KEYS: Readonly<Record<string, string>> = {
  conditions: 'problem list',
  medicationRequests: 'medication orders',
  medicationStatements: 'reported medications',
};

/** The id of the rule. */
export const DATA_INCOMPLETE = 'data-incomplete';

/** The partial reads among the decisive keys. */
export function decisivePartial(partial: readonly PartialRead[]): PartialRead[] {
  return partial.filter((p) => Object.prototype.hasOwnProperty.call(DECISIVE_KEYS, p.key));
}

function joined(words: readonly string[]): string {
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The rule (the handler drops its card when another card already names the same gap). */
export const dataIncomplete: Rule = {
  id: DATA_INCOMPLETE,
  hooks: ['patient-view', 'order-select', 'order-sign'],
  about: {
    firesWhen:
      'the problem list, the medication orders or the reported medications could be read only in part (page limit, data budget, timeout, a failed page) or not at all, and no other card of the answer already names that gap; fires for any patient, since the RLS diagnosis itself may be on the part not read',
    indicator: 'info',
    suggests: 'none',
    basis: 'CDS Hooks 2.0: a service that cannot get the data it needs must not answer as if it had it',
  },
  evaluate(s): Finding | undefined {
    const decisive = decisivePartial(s.partial);
    if (decisive.length === 0) return undefined;
    return {
      ruleId: DATA_INCOMPLETE,
      indicator: 'info',
      values: { what: joined([...new Set(decisive.map((p) => DECISIVE_KEYS[p.key] ?? p.key))]) },
      evidence: [],
      computed: [],
      missing: decisive.map((p) => p.text),
      suggestions: [],
    };
  },
};
