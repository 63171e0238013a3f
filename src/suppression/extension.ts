/**
 * The suppression extension of a CDS Hooks exchange, under one member name:
 *
 * - in a request, `{"extension": {"rls-cds-hooks.suppression": {"disable": true}}}`
 *   shows every card for that call (the EHR's "show anyway");
 * - in a response, the same member says which cards were held back: a
 *   count, the rule ids, and per card the outcome, when, the override
 *   reason and until when. No patient data and no comment text.
 */
import { ValidationError } from '../protocol/errors.js';
import { SUPPRESSION_EXTENSION } from './extension-name.js';
import type { Suppression } from './policy.js';

export { SUPPRESSION_EXTENSION };

/** What a response says about one card held back. */
export interface SuppressedCardNote {
  readonly ruleId: string;
  readonly indicator: string;
  readonly outcome: 'accepted' | 'overridden';
  /** When the clinician answered (ISO 8601). */
  readonly answeredAt: string;
  readonly reason?: { readonly code: string; readonly display?: string };
  /** When the card will show again at the latest; absent after an acceptance (until the facts change). */
  readonly until?: string;
}

/** The response extension's value. */
export interface SuppressionNotice {
  readonly count: number;
  readonly ruleIds: readonly string[];
  readonly cards: readonly SuppressedCardNote[];
}

/**
 * Whether the request asks to show every card. Throws {@link ValidationError}
 * when the member is there but malformed.
 */
export function suppressionDisabled(body: unknown): boolean {
  const extension = (body as { extension?: unknown } | null)?.extension;
  if (extension === null || typeof extension !== 'object' || Array.isArray(extension)) return false;
  const value = (extension as Record<string, unknown>)[SUPPRESSION_EXTENSION];
  if (value === undefined) return false;
  const field = `extension.${SUPPRESSION_EXTENSION}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(field, 'must be an object, e.g. {"disable": true}');
  }
  const disable = (value as { disable?: unknown }).disable;
  if (disable !== undefined && typeof disable !== 'boolean') {
    throw new ValidationError(`${field}.disable`, 'must be true or false');
  }
  return disable === true;
}

/** The response extension for the cards held back (undefined when none was). */
export function suppressionNotice(
  held: readonly Suppression[],
  reasonDisplay: (ruleId: string, code: string) => string | undefined,
): Record<string, SuppressionNotice> | undefined {
  if (held.length === 0) return undefined;
  return {
    [SUPPRESSION_EXTENSION]: {
      count: held.length,
      ruleIds: [...new Set(held.map((s) => s.ruleId))],
      cards: held.map((s) => {
        const display = s.reasonCode ? reasonDisplay(s.ruleId, s.reasonCode) : undefined;
        return {
          ruleId: s.ruleId,
          indicator: s.indicator,
          outcome: s.outcome,
          answeredAt: s.answeredAt.toISOString(),
          ...(s.reasonCode ? { reason: { code: s.reasonCode, ...(display ? { display } : {}) } } : {}),
          ...(s.until ? { until: s.until.toISOString() } : {}),
        };
      }),
    },
  };
}
