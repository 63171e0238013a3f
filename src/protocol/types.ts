/**
 * The words of CDS Hooks 2.0 as this service speaks them: the hooks it
 * answers, card indicators, and the response types (cards, suggestions,
 * actions). A leaf: it imports nothing of the service.
 */
import type { FhirResource } from 'fhir/r4.js';

/** The hooks this service answers. */
export type Hook = 'patient-view' | 'order-select' | 'order-sign';

/** CDS Hooks card indicator. */
export type Indicator = 'info' | 'warning' | 'critical';

/** A Coding as CDS Hooks uses it (system and code required). */
export interface CdsCoding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

/** A suggestion action. */
export interface Action {
  readonly type: 'create' | 'update' | 'delete';
  readonly description: string;
  readonly resource?: FhirResource;
  readonly resourceId?: string;
}

/** A suggestion on a card. */
export interface Suggestion {
  readonly label: string;
  readonly uuid: string;
  readonly isRecommended?: boolean;
  readonly actions: readonly Action[];
}

/** A link on a card. */
export interface Link {
  readonly label: string;
  readonly url: string;
  readonly type: 'absolute' | 'smart';
}

/** A CDS Hooks card. */
export interface Card {
  readonly uuid: string;
  readonly summary: string;
  readonly detail?: string;
  readonly indicator: Indicator;
  readonly source: { readonly label: string; readonly url?: string; readonly topic: CdsCoding };
  readonly suggestions?: readonly Suggestion[];
  readonly selectionBehavior?: 'at-most-one' | 'any';
  readonly overrideReasons?: readonly CdsCoding[];
  readonly links?: readonly Link[];
}

/** The body of a successful service call. */
export interface CdsResponse {
  readonly cards: readonly Card[];
}
