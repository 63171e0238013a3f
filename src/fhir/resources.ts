/**
 * Narrowing unknown JSON to FHIR R4 shapes, and reading Bundles. The only
 * place where untyped JSON becomes `fhir4` types.
 */
import type { Bundle, FhirResource, OperationOutcome, Reference } from 'fhir/r4.js';
import { MAX_URL_CHARS } from './url-guard.js';

/** True when the value is an object with a string `resourceType`. */
export function isResource(value: unknown): value is FhirResource {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** Narrows to one resource type. */
export function isOfType<T extends FhirResource['resourceType']>(
  value: unknown,
  type: T,
): value is Extract<FhirResource, { resourceType: T }> {
  return isResource(value) && value.resourceType === type;
}

/** Resources in a Bundle's entries (entries without a resource are skipped). */
export function bundleResources(bundle: Bundle): FhirResource[] {
  if (!Array.isArray(bundle.entry)) return [];
  return bundle.entry.map((e) => (e && typeof e === 'object' ? e.resource : undefined)).filter(isResource);
}

/** The `next` link of a searchset Bundle, if any. */
export function nextLink(bundle: Bundle): string | undefined {
  if (!Array.isArray(bundle.link)) return undefined;
  const next = bundle.link.find((l) => l && typeof l === 'object' && l.relation === 'next');
  return typeof next?.url === 'string' && next.url ? next.url : undefined;
}

function hasErrorIssue(oo: OperationOutcome): boolean {
  return (Array.isArray(oo.issue) ? oo.issue : []).some(
    (i) => i?.severity === 'error' || i?.severity === 'fatal',
  );
}

/**
 * True when a prefetch value reports a failure: a bare OperationOutcome, or a
 * Bundle holding an OperationOutcome with an error or fatal issue. (An
 * informational OperationOutcome in a searchset, as some servers add, is not a failure.)
 */
export function isFailure(value: FhirResource): boolean {
  if (value.resourceType === 'OperationOutcome') return true;
  if (value.resourceType !== 'Bundle') return false;
  return bundleResources(value).some((r) => r.resourceType === 'OperationOutcome' && hasErrorIssue(r));
}

/**
 * The Patient id a reference names, whatever its form: relative
 * (`Patient/x`), absolute (`https://…/Patient/x`), versioned
 * (`Patient/x/_history/3`, relative or absolute). Undefined for any other
 * form (another resource type, a logical reference, a `urn:`).
 */
export function patientIdOf(reference: string): string | undefined {
  if (reference.length > MAX_URL_CHARS) return undefined;
  const q = reference.indexOf('?');
  const h = reference.indexOf('#');
  if (q >= 0 || h >= 0) return undefined;
  const s = reference.split('/');
  const n = s.length;
  if (n >= 4 && s[n - 2] === '_history' && s[n - 4] === 'Patient' && s[n - 3] && s[n - 1]) return s[n - 3];
  if (n >= 2 && s[n - 2] === 'Patient' && s[n - 1]) return s[n - 1];
  return undefined;
}

/** A patient id given as a reference (`Patient/x`, absolute or versioned) reduced to the id; any other string as it is. */
export function normalizePatientId(id: string): string {
  return patientIdOf(id) ?? id;
}

/** Patient ids of the `urn:uuid:` fullUrls of Bundles, so that a reference to one can be resolved. */
export type UrnPatients = ReadonlyMap<string, string>;

/** Indexes the Patient entries with a `urn:` fullUrl in the given Bundles. */
export function urnPatients(bundles: readonly unknown[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const value of bundles) {
    if (!isOfType(value, 'Bundle') || !Array.isArray(value.entry)) continue;
    for (const entry of value.entry) {
      const fullUrl = entry && typeof entry === 'object' ? entry.fullUrl : undefined;
      if (typeof fullUrl === 'string' && fullUrl.startsWith('urn:') && isOfType(entry.resource, 'Patient')) {
        const id = entry.resource.id;
        if (typeof id === 'string' && id) index.set(fullUrl, id);
      }
    }
  }
  return index;
}

/**
 * True when a reference points at another patient than `patientId`, compared
 * by resource id whatever the reference's form ({@link patientIdOf}); a
 * `urn:uuid:` is resolved through `urns` (the Bundles of the call). A
 * reference to a Patient in a form that cannot be read, or an unresolved
 * `urn:uuid:` other than the patient's id, is foreign. References that name
 * no Patient (no `reference`, a logical identifier only) are not treated as
 * foreign: the query that returned them was patient-scoped.
 */
export function refersToOtherPatient(
  ref: Reference | undefined,
  patientId: string,
  urns: UrnPatients = new Map(),
): boolean {
  const r = ref?.reference;
  if (typeof r !== 'string' || r === '') return false;
  if (r.startsWith('urn:')) {
    const resolved = urns.get(r);
    if (resolved !== undefined) return resolved !== patientId;
    return !r.startsWith('urn:uuid:') || r.slice('urn:uuid:'.length) !== patientId;
  }
  const id = patientIdOf(r);
  if (id !== undefined) return id !== patientId;
  // "Patient/x/y", "Patient/x?…": a Patient reference in a form that cannot be read.
  return r.split('/').includes('Patient');
}
