/**
 * The FHIR queries the rules read, as CDS Hooks 2.0 prefetch templates.
 *
 * Every template stays inside the spec's recommended query subset: an
 * instance read, or a type-level search on `patient={{context.patientId}}`
 * with token parameters written `system|code`. Codes come from the
 * terminology module, so a value-set change updates discovery too.
 */
import { AUGMENTATION_FINDING, IRLS_TOTAL, IRON_STUDY_CODES } from '../knowledge/terminology.js';

/** One prefetch query: the template and what it is for. */
export interface PrefetchQuery {
  readonly template: string;
  readonly resourceType:
    | 'Patient'
    | 'Condition'
    | 'Observation'
    | 'MedicationRequest'
    | 'MedicationStatement'
    | 'MedicationAdministration'
    | 'Procedure'
    | 'DeviceUseStatement';
  /** `read` returns one resource (or nothing); `search` returns a searchset Bundle. */
  readonly interaction: 'read' | 'search';
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
    description: 'the Patient resource',
  },
  conditions: {
    template: 'Condition?patient={{context.patientId}}',
    resourceType: 'Condition',
    interaction: 'search',
    description: 'the problem list and diagnoses (Condition)',
  },
  ironStudies: {
    template: `Observation?patient={{context.patientId}}&code=${tokens(IRON_STUDY_CODES)}`,
    resourceType: 'Observation',
    interaction: 'search',
    description: 'iron studies: ferritin, transferrin saturation, serum iron and TIBC (Observation)',
  },
  rlsAssessments: {
    template: `Observation?patient={{context.patientId}}&code=${tokens([IRLS_TOTAL, AUGMENTATION_FINDING])}`,
    resourceType: 'Observation',
    interaction: 'search',
    description: 'RLS assessments: IRLS severity scores and recorded augmentation (Observation)',
  },
  medicationRequests: {
    template: 'MedicationRequest?patient={{context.patientId}}',
    resourceType: 'MedicationRequest',
    interaction: 'search',
    description: 'medication orders of any status (MedicationRequest)',
  },
  medicationStatements: {
    template: 'MedicationStatement?patient={{context.patientId}}',
    resourceType: 'MedicationStatement',
    interaction: 'search',
    description: 'medications the patient reports taking (MedicationStatement)',
  },
  medicationAdministrations: {
    template: 'MedicationAdministration?patient={{context.patientId}}',
    resourceType: 'MedicationAdministration',
    interaction: 'search',
    description: 'medications given, such as IV iron infusions (MedicationAdministration)',
  },
  procedures: {
    template: 'Procedure?patient={{context.patientId}}',
    resourceType: 'Procedure',
    interaction: 'search',
    description: 'procedures: OSA treatment and opioid-risk screening (Procedure)',
  },
  deviceUseStatements: {
    template: 'DeviceUseStatement?patient={{context.patientId}}',
    resourceType: 'DeviceUseStatement',
    interaction: 'search',
    description: 'devices in use, such as CPAP for sleep apnea (DeviceUseStatement)',
  },
} as const satisfies Record<string, PrefetchQuery>;

/** A prefetch key of the catalog. */
export type PrefetchKey = keyof typeof PREFETCH_QUERIES;
