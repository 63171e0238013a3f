/**
 * Narrowing unknown JSON to FHIR R4 shapes, and reading Bundles. The only
 * place where untyped JSON becomes `fhir4` types.
 */
import type { Bundle, FhirResource, OperationOutcome, Reference } from 'fhir/r4.js';

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

/** Strips a `Patient/` prefix (and any base URL before it) from a patient id given as a reference. */
export function normalizePatientId(id: string): string {
  const match = /(?:^|\/)Patient\/([^/]+)$/.exec(id);
  return match?.[1] ?? id;
}

/**
 * True when a reference points at another patient than `patientId`.
 * References that cannot be read (no `reference`, a logical identifier only)
 * are not treated as foreign: the query that returned them was patient-scoped.
 */
export function refersToOtherPatient(ref: Reference | undefined, patientId: string): boolean {
  const r = ref?.reference;
  if (typeof r !== 'string' || r === '') return false;
  if (r.startsWith('urn:uuid:')) return r.slice('urn:uuid:'.length) !== patientId;
  const match = /(?:^|\/)Patient\/([^/]+)$/.exec(r);
  if (match) return match[1] !== patientId;
  return false;
}
