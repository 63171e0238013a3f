/**
 * The FHIR queries the rules read, as CDS Hooks 2.0 prefetch templates.
 *
 * Every template stays inside the spec's recommended query subset: an
 * instance read, or a type-level search on `patient={{context.patientId}}`
 * with token parameters written `system|code`. Codes come from the
 * terminology module, so a value-set change updates discovery too.
 */
import { IRLS_TOTAL, IRON_STUDY_CODES } from '../clinical/terminology.js';

/** Where a prefetch key's resources go in the gathered data. */
export type PrefetchTarget =
  'patient' | 'conditions' | 'observations' | 'medicationRequests' | 'medicationStatements';

/** One prefetch query: the template and what it is for. */
export interface PrefetchQuery {
  readonly template: string;
  readonly resourceType:
    'Patient' | 'Condition' | 'Observation' | 'MedicationRequest' | 'MedicationStatement';
  /** `read` returns one resource (or nothing); `search` returns a searchset Bundle. */
  readonly interaction: 'read' | 'search';
  readonly target: PrefetchTarget;
  /** Plain words for error messages and cards: what this data is. */
  readonly description: string;
}

const tokens = (codes: readonly { system: string; code: string }[]): string =>
  codes.map((c) => `${c.system}|${c.code}`).join(',');

/** Every prefetch query the service knows, by its stable key (EHR registrations may name these keys). */
export const PREFETCH_QUERIES = {
  patient: {
    template: 'Patient/{{context.patientId}}',
    resourceType: 'Patient',
    interaction: 'read',
    target: 'patient',
    description: 'the Patient resource',
  },
  conditions: {
    template: 'Condition?patient={{context.patientId}}',
    resourceType: 'Condition',
    interaction: 'search',
    target: 'conditions',
    description: 'the problem list and diagnoses (Condition)',
  },
  ironStudies: {
    template: `Observation?patient={{context.patientId}}&code=${tokens(IRON_STUDY_CODES)}`,
    resourceType: 'Observation',
    interaction: 'search',
    target: 'observations',
    description: 'iron studies: ferritin, transferrin saturation, serum iron and TIBC (Observation)',
  },
  irlsScores: {
    template: `Observation?patient={{context.patientId}}&code=${tokens([IRLS_TOTAL])}`,
    resourceType: 'Observation',
    interaction: 'search',
    target: 'observations',
    description: 'IRLS severity scores (Observation)',
  },
  medicationRequests: {
    template: 'MedicationRequest?patient={{context.patientId}}',
    resourceType: 'MedicationRequest',
    interaction: 'search',
    target: 'medicationRequests',
    description: 'medication orders of any status (MedicationRequest)',
  },
  medicationStatements: {
    template: 'MedicationStatement?patient={{context.patientId}}',
    resourceType: 'MedicationStatement',
    interaction: 'search',
    target: 'medicationStatements',
    description: 'medications the patient reports taking (MedicationStatement)',
  },
} as const satisfies Record<string, PrefetchQuery>;

/** A prefetch key of the catalog. */
export type PrefetchKey = keyof typeof PREFETCH_QUERIES;
