/**
 * FHIR R4 search over an in-memory store: the resource types the service
 * reads, each with the search parameters it declares (`_id`, `patient` and
 * `subject` references, `code` tokens). Shared by the demo FHIR server (which
 * also publishes these declarations in its CapabilityStatement) and the
 * builder of fixture prefetch.
 */
import type { FhirResource } from 'fhir/r4.js';
import type { FhirStore } from './fhir-store.js';

/** One search parameter a resource type supports, as a CapabilityStatement lists it. */
export interface SearchParamDeclaration {
  readonly name: string;
  readonly type: 'token' | 'reference';
  readonly documentation: string;
}

const ID: SearchParamDeclaration = {
  name: '_id',
  type: 'token',
  documentation: 'Logical id; a comma-separated list matches any.',
};
const PATIENT: SearchParamDeclaration = {
  name: 'patient',
  type: 'reference',
  documentation: 'The patient: `Patient/[id]` or `[id]`.',
};
const SUBJECT: SearchParamDeclaration = {
  name: 'subject',
  type: 'reference',
  documentation: 'The subject, as for `patient`.',
};
const CODE: SearchParamDeclaration = {
  name: 'code',
  type: 'token',
  documentation: '`[system]|[code]`, `|[code]` or `[code]`; a comma-separated list matches any.',
};

/**
 * The resource types served and their search parameters. Types found in a
 * store but not listed here are served with `_id`, `patient` and `subject`.
 */
export const SEARCH_PARAMETERS: Readonly<Record<string, readonly SearchParamDeclaration[]>> = {
  Patient: [ID],
  Condition: [ID, PATIENT, SUBJECT, CODE],
  Observation: [ID, PATIENT, SUBJECT, CODE],
  MedicationRequest: [ID, PATIENT, SUBJECT, CODE],
  MedicationStatement: [ID, PATIENT, SUBJECT, CODE],
  MedicationAdministration: [ID, PATIENT, SUBJECT, CODE],
  Medication: [ID, CODE],
  Procedure: [ID, PATIENT, SUBJECT, CODE],
  DeviceUseStatement: [ID, PATIENT, SUBJECT],
};

const GENERIC: readonly SearchParamDeclaration[] = [ID, PATIENT, SUBJECT];

/** The resource types a store serves: the declared ones and any other type it holds. */
export function servedTypes(store: FhirStore): FhirResource['resourceType'][] {
  // Store keys are the resourceType of the resources put in it (see storeOf).
  const types = [...Object.keys(SEARCH_PARAMETERS), ...store.keys()] as FhirResource['resourceType'][];
  return [...new Set(types)].sort();
}

/** The search parameters of a served type. */
export function searchParamsOf(type: string): readonly SearchParamDeclaration[] {
  return SEARCH_PARAMETERS[type] ?? GENERIC;
}

function subjectRef(r: FhirResource): string | undefined {
  const holder = r as { subject?: { reference?: unknown }; patient?: { reference?: unknown } };
  const ref = (holder.subject ?? holder.patient)?.reference;
  return typeof ref === 'string' ? ref : undefined;
}

function matchesPatient(r: FhirResource, patient: string): boolean {
  const id = patient.replace(/^.*Patient\//, '');
  const ref = subjectRef(r)?.replace(/\/_history\/[^/]+$/, '');
  return ref === `Patient/${id}` || ref === `urn:uuid:${id}` || (ref?.endsWith(`/Patient/${id}`) ?? false);
}

function codingsOf(r: FhirResource): { system?: string; code?: string }[] {
  const holder = r as {
    code?: { coding?: unknown };
    medicationCodeableConcept?: { coding?: unknown };
  };
  const coding =
    r.resourceType === 'MedicationRequest' ||
    r.resourceType === 'MedicationStatement' ||
    r.resourceType === 'MedicationAdministration'
      ? holder.medicationCodeableConcept?.coding
      : holder.code?.coding;
  return Array.isArray(coding) ? (coding as { system?: string; code?: string }[]) : [];
}

function matchesCode(r: FhirResource, tokens: readonly string[]): boolean {
  const codings = codingsOf(r);
  return tokens.some((token) => {
    const bar = token.indexOf('|');
    const system = bar >= 0 ? token.slice(0, bar) : undefined;
    const code = bar >= 0 ? token.slice(bar + 1) : token;
    return codings.some(
      (c) =>
        c.code === code &&
        (system === undefined || (system === '' ? c.system === undefined : c.system === system)),
    );
  });
}

function matches(r: FhirResource, name: string, value: string): boolean {
  const alternatives = value.split(',').filter(Boolean);
  switch (name) {
    case '_id':
      return alternatives.includes(r.id ?? '');
    case 'patient':
    case 'subject':
      return alternatives.some((p) => matchesPatient(r, p));
    case 'code':
      return matchesCode(r, alternatives);
    default:
      return true;
  }
}

/** Search parameters of one request, split into what the server applies and what it does not know. */
export interface ParsedSearch {
  /** Filters applied, in request order (a parameter given twice must match both times). */
  readonly filters: readonly (readonly [string, string])[];
  /** Parameters (or modifiers) this server does not support for the type. */
  readonly unsupported: readonly string[];
}

/** Sorts the parameters of a search of `type` into supported filters and unsupported names. */
export function parseSearch(
  type: string,
  params: URLSearchParams,
  ignore: readonly string[] = [],
): ParsedSearch {
  const known = new Set(searchParamsOf(type).map((p) => p.name));
  const filters: [string, string][] = [];
  const unsupported: string[] = [];
  for (const [name, value] of params) {
    if (ignore.includes(name)) continue;
    if (known.has(name)) filters.push([name, value]);
    else unsupported.push(name);
  }
  return { filters, unsupported: [...new Set(unsupported)] };
}

/** Resources of `type` matching every filter. */
export function runSearch(
  store: FhirStore,
  type: string,
  filters: readonly (readonly [string, string])[],
): FhirResource[] {
  return [...(store.get(type)?.values() ?? [])].filter((r) =>
    filters.every(([name, value]) => matches(r, name, value)),
  );
}

/** Resources of `type` matching the supported parameters of `params`; other parameters are ignored. */
export function searchStore(store: FhirStore, type: string, params: URLSearchParams): FhirResource[] {
  return runSearch(store, type, parseSearch(type, params).filters);
}

/** Runs a relative FHIR URL (read or search) against the store, as a prefetch would. */
export function queryStore(store: FhirStore, relativeUrl: string): FhirResource | null {
  const [path = '', query = ''] = relativeUrl.split('?');
  const [type = '', id] = path.split('/');
  if (id !== undefined) return store.get(type)?.get(decodeURIComponent(id)) ?? null;
  const entries = searchStore(store, type, new URLSearchParams(query)).map((resource) => ({ resource }));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: entries.length,
    ...(entries.length ? { entry: entries } : {}),
  };
}
