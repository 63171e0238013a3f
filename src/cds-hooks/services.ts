/**
 * The CDS services: each one's discovery entry and the data its rules
 * need, declared together. Discovery is generated from these definitions and
 * the handler gathers exactly these keys, so the two cannot disagree.
 *
 * Service ids are part of the public contract (EHR registrations point at
 * them): never rename one.
 */
import type { Hook } from '../protocol/types.js';
import type { ServiceHook } from './request.js';
import { PREFETCH_QUERIES, type PrefetchKey, type PrefetchQuery } from '../protocol/prefetch-catalog.js';

/** A CDS service definition. */
export interface ServiceDefinition {
  readonly id: string;
  /** The hook it answers (discovery). */
  readonly hook: ServiceHook;
  /** The hook whose rules it runs: its own, or for a deprecated hook the one that replaced it. */
  readonly rules: Hook;
  readonly title: string;
  readonly description: string;
  readonly usageRequirements: string;
  /** Prefetch keys with whether the call can go ahead without them (412 when a required key cannot be had). */
  readonly data: Readonly<Partial<Record<PrefetchKey, 'required' | 'optional'>>>;
}

const USAGE =
  'Send prefetch for the listed keys, or fhirServer with fhirAuthorization (read scopes for Patient, Condition, ' +
  'Observation, MedicationRequest, MedicationStatement, MedicationAdministration, Medication, Procedure and ' +
  'DeviceUseStatement) so the service ' +
  'can fetch what is missing. ' +
  'Without an active restless legs syndrome diagnosis on the problem list the service returns no cards.';

/** Every prefetch key, optional; each service marks what it cannot do without. */
const OPTIONAL_DATA: ServiceDefinition['data'] = Object.fromEntries(
  (Object.keys(PREFETCH_QUERIES) as PrefetchKey[]).map((key) => [key, 'optional']),
);

/** All services, in discovery order. */
export const SERVICES: readonly ServiceDefinition[] = [
  {
    id: 'rls-patient-view',
    hook: 'patient-view',
    rules: 'patient-view',
    title: 'Restless legs syndrome: iron and therapy review',
    description:
      'When a chart opens, checks a patient with restless legs syndrome against the AASM 2025 guideline: ' +
      'whether iron studies are current and iron is optimized before any escalation, and which therapies need attention.',
    usageRequirements: USAGE,
    data: { ...OPTIONAL_DATA, conditions: 'required', ironStudies: 'required' },
  },
  {
    id: 'rls-order-select',
    hook: 'order-select',
    rules: 'order-select',
    title: 'Restless legs syndrome: order check',
    description:
      'As medication orders are selected for a patient with restless legs syndrome, flags drugs the AASM 2025 ' +
      'guideline recommends against (cabergoline above all) and offers to remove the draft order.',
    usageRequirements: USAGE,
    data: { ...OPTIONAL_DATA, conditions: 'required' },
  },
  {
    id: 'rls-order-sign',
    hook: 'order-sign',
    rules: 'order-sign',
    title: 'Restless legs syndrome: signing check',
    description:
      'Before medication orders for a patient with restless legs syndrome are signed, re-checks every draft ' +
      'against the AASM 2025 guideline and offers to remove orders for drugs it recommends against.',
    usageRequirements: USAGE,
    data: { ...OPTIONAL_DATA, conditions: 'required' },
  },
  {
    // CDS Hooks 1.0: deprecated in favour of order-select, still fired by older EHR builds.
    id: 'rls-medication-prescribe',
    hook: 'medication-prescribe',
    rules: 'order-select',
    title: 'Restless legs syndrome: order check (CDS Hooks 1.0 medication-prescribe)',
    description:
      'For EHRs that still fire the CDS Hooks 1.0 medication-prescribe hook: the same order check as ' +
      'rls-order-select, with every medication in context.medications treated as the order being written.',
    usageRequirements: USAGE,
    data: { ...OPTIONAL_DATA, conditions: 'required' },
  },
];

/** The prefetch keys of a service with their queries. */
export function prefetchOf(
  service: ServiceDefinition,
): { key: PrefetchKey; query: PrefetchQuery; required: boolean }[] {
  return (Object.keys(service.data) as PrefetchKey[]).map((key) => ({
    key,
    query: PREFETCH_QUERIES[key],
    required: service.data[key] === 'required',
  }));
}

/** The discovery document entry of a service. */
export function discoveryEntry(service: ServiceDefinition): Record<string, unknown> {
  return {
    hook: service.hook,
    id: service.id,
    title: service.title,
    description: service.description,
    usageRequirements: service.usageRequirements,
    prefetch: Object.fromEntries(prefetchOf(service).map(({ key, query }) => [key, query.template])),
  };
}

/** Looks a service up by id. */
export function findService(id: string): ServiceDefinition | undefined {
  return SERVICES.find((s) => s.id === id);
}
