/**
 * Patient-scoped FHIR search over an in-memory store: the subset the
 * service's own prefetch templates use (`patient`, `code` tokens). Shared by
 * the demo FHIR server and the builder of fixture prefetch.
 */
import type { FhirResource } from 'fhir/r4.js';
import type { FhirStore } from './fhir-store.js';

function subjectRef(r: FhirResource): string | undefined {
  const holder = r as { subject?: { reference?: unknown }; patient?: { reference?: unknown } };
  const ref = (holder.subject ?? holder.patient)?.reference;
  return typeof ref === 'string' ? ref : undefined;
}

function matchesPatient(r: FhirResource, patient: string): boolean {
  const id = patient.replace(/^Patient\//, '');
  const ref = subjectRef(r);
  return ref === `Patient/${id}` || ref === `urn:uuid:${id}` || (ref?.endsWith(`/Patient/${id}`) ?? false);
}

function matchesCode(r: FhirResource, tokens: readonly string[]): boolean {
  const codings = (r as { code?: { coding?: { system?: string; code?: string }[] } }).code?.coding ?? [];
  return tokens.some((token) => {
    const bar = token.indexOf('|');
    const system = bar >= 0 ? token.slice(0, bar) : undefined;
    const code = bar >= 0 ? token.slice(bar + 1) : token;
    return codings.some(
      (c) => c.code === code && (system === undefined || system === '' || c.system === system),
    );
  });
}

/** Resources of `type` matching the `patient` (or `subject`) and `code` parameters; others are ignored. */
export function searchStore(store: FhirStore, type: string, params: URLSearchParams): FhirResource[] {
  const patient = params.get('patient') ?? params.get('subject') ?? undefined;
  const codes = params.get('code')?.split(',').filter(Boolean);
  return [...(store.get(type)?.values() ?? [])].filter(
    (r) => (!patient || matchesPatient(r, patient)) && (!codes || matchesCode(r, codes)),
  );
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
