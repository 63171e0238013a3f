/**
 * The contract between rules and the card renderer. A rule is a pure function
 * from the snapshot to at most one finding; it decides what fires, how loud,
 * on which evidence and what to suggest. It never builds a card.
 */
import type { PatientSnapshot } from '../clinical/snapshot.js';
import type { TaperStep } from '../clinical/taper.js';
import type { Hook, Indicator } from '../protocol/types.js';

/** What a suggestion should do; the renderer turns it into FHIR resources and actions. */
export type SuggestionIntent =
  | { readonly kind: 'order-iron-studies' }
  | { readonly kind: 'order-ferric-carboxymaltose' }
  | { readonly kind: 'order-iron-sucrose' }
  | {
      readonly kind: 'delete-draft';
      readonly reference: string;
      readonly display: string;
      /** false: offer the deletion without marking it recommended (a non-RLS indication). */
      readonly recommended?: boolean;
    }
  /** Replace a draft (or add, when `reference` is absent) with gabapentin: the ESRD dose when `esrd`. */
  | {
      readonly kind: 'gabapentin-instead';
      readonly esrd: boolean;
      readonly reference?: string;
      readonly display?: string;
    }
  | { readonly kind: 'order-oxycodone-er' }
  /** Replace a draft opioid with the guideline's starting dose of the same drug. */
  | {
      readonly kind: 'opioid-start-dose-instead';
      readonly drug: 'oxycodone' | 'methadone';
      readonly reference: string;
      readonly display: string;
    }
  | { readonly kind: 'order-laxative' };

/** The result of a rule that fired. */
export interface Finding {
  readonly ruleId: string;
  readonly indicator: Indicator;
  /** Values for the template's `{{placeholders}}`. Plain text; the renderer escapes them. */
  readonly values: Readonly<Record<string, string>>;
  /** The patient's own data the rule relied on, one line each, with dates and units. */
  readonly evidence: readonly string[];
  /** How derived values were computed (TSAT from iron/TIBC, unit conversions, daily doses). */
  readonly computed: readonly string[];
  /** Data that was missing, stale or unusable, and what the rule did without it. */
  readonly missing: readonly string[];
  readonly suggestions: readonly SuggestionIntent[];
  /** A template variant to use instead of the default text (e.g. `non-rls-indication`). */
  readonly variant?: string;
  /** A computed dopamine-agonist taper to show as a table. */
  readonly taper?: { readonly drug: string; readonly steps: readonly TaperStep[] };
}

/**
 * A rule in words, for the generated rule reference (`docs/rules.md`). Text may quote the
 * thresholds by their card-template placeholders (`{{ferritinTarget}}`), so it never restates a number.
 */
export interface RuleAbout {
  /** When it fires: the data it needs, its thresholds, and what keeps it silent. */
  readonly firesWhen: string;
  /** How loud the card is, and what makes it louder or quieter. */
  readonly indicator: string;
  /** What the card offers to do. */
  readonly suggests: string;
  /** The guideline statement it rests on, with its strength and certainty. */
  readonly basis: string;
}

/** A clinical rule: a stable id, the hooks it runs on, what it is for, and a pure evaluation. */
export interface Rule {
  readonly id: string;
  readonly hooks: readonly Hook[];
  readonly about: RuleAbout;
  readonly evaluate: (snapshot: PatientSnapshot, hook: Hook) => Finding | undefined;
}
