/**
 * Prefetch first, FHIR server for what is missing, 412 when neither works.
 *
 * CDS Hooks 2.0 prefetch semantics, per key:
 * - key absent: the EHR did not (or could not) prefetch it: fetch it;
 * - key `null`: the EHR knows there is no data: use nothing, fetch nothing;
 * - an OperationOutcome, or a Bundle holding an error OperationOutcome: treat as not provided: fetch it;
 * - a searchset Bundle with a `next` link: use it and follow the remaining pages.
 * Every fetch of one call runs in parallel, each with its own timeout.
 */
import type {
  Bundle,
  Condition,
  DeviceUseStatement,
  Procedure,
  FhirResource,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Reference,
} from 'fhir/r4.js';
import type { PatientData } from '../clinical/snapshot.js';
import { RequestError } from '../protocol/errors.js';
import type { PrefetchKey, PrefetchQuery } from '../protocol/prefetch-catalog.js';
import { type FhirAccess, type FetchOutcome, type PartialReason, runQuery } from './client.js';
import {
  bundleResources,
  isFailure,
  isOfType,
  isResource,
  nextLink,
  refersToOtherPatient,
  urnPatients,
} from './resources.js';
import { pathUnderBase } from './url-guard.js';

export type { PartialReason } from './client.js';

/** One prefetch key the service wants, with its rendered query. */
export interface WantedKey {
  readonly key: PrefetchKey;
  readonly query: PrefetchQuery;
  /** The template with the context tokens filled in (relative URL). */
  readonly url: string;
  readonly required: boolean;
}

/** A key that could be had neither from prefetch nor from the FHIR server. */
export interface MissingData {
  readonly key: PrefetchKey;
  readonly description: string;
  readonly template: string;
  readonly reason: string;
}

/** A key of which only part of the results could be read, and why. */
export interface PartialKey {
  readonly key: PrefetchKey;
  readonly reason: PartialReason;
}

/** What gathering produced: the data, or the required data that is missing (→ 412). */
export type GatherResult =
  | {
      readonly ok: true;
      readonly data: PatientData;
      /** Keys whose data is incomplete, each with its reason (also said in `data.unavailable`). */
      readonly partial: readonly PartialKey[];
      readonly fhirRequests: number;
    }
  | { readonly ok: false; readonly missing: readonly MissingData[]; readonly fhirRequests: number };

/** Input to {@link gather}. */
export interface GatherInput {
  readonly patientId: string;
  readonly wanted: readonly WantedKey[];
  /** The request's prefetch object (already checked to be an object). */
  readonly prefetch: Readonly<Record<string, unknown>> | undefined;
  /** How to reach the FHIR server, when the request allows it. */
  readonly fhir: FhirAccess | undefined;
  /** Resources of the draftOrders Bundle: a medicationReference may point into it. */
  readonly draftResources?: readonly FhirResource[];
  /** The draftOrders Bundle itself (its `urn:uuid:` fullUrls resolve subject references). */
  readonly draftBundle?: Bundle;
  /** `_count` added to every search sent to the FHIR server (unless the query names one). */
  readonly searchCount?: number;
}

/** A search URL with `_count` added, unless it already has one. */
export function withCount(url: string, count: number | undefined): string {
  if (count === undefined || /[?&]_count=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}_count=${count}`;
}

/** Thrown for a prefetch value that is not JSON a FHIR client could send (400). */
export class PrefetchShapeError extends RequestError {
  readonly status = 400;
  readonly issueType = 'invalid';
  constructor(field: string) {
    super(`${field} must be a FHIR resource, a Bundle or null`, field);
  }
}

type Plan =
  | { readonly kind: 'have'; readonly resources: FhirResource[]; readonly next?: string }
  | { readonly kind: 'fetch'; readonly why: string };

function plan(value: unknown, present: boolean, key: string): Plan {
  if (!present) return { kind: 'fetch', why: 'not prefetched' };
  if (value === null) return { kind: 'have', resources: [] };
  if (!isResource(value)) throw new PrefetchShapeError(`prefetch.${key}`);
  if (isFailure(value)) return { kind: 'fetch', why: 'prefetch reported an error' };
  if (value.resourceType === 'Bundle') {
    const next = nextLink(value);
    return { kind: 'have', resources: bundleResources(value), ...(next ? { next } : {}) };
  }
  return { kind: 'have', resources: [value] };
}

function subjectOf(resource: FhirResource): Reference | undefined {
  switch (resource.resourceType) {
    case 'Condition':
    case 'Observation':
    case 'MedicationRequest':
    case 'MedicationStatement':
    case 'MedicationAdministration':
    case 'Procedure':
    case 'DeviceUseStatement':
      return resource.subject;
    default:
      return undefined;
  }
}

/** Indexes Medications under every reference form that can reach them (`Medication/id`, fullUrl). */
function indexMedications(
  bundles: readonly unknown[],
  extra: readonly FhirResource[],
): Map<string, Medication> {
  const index = new Map<string, Medication>();
  const add = (m: Medication, fullUrl?: string): void => {
    if (m.id) index.set(`Medication/${m.id}`, m);
    if (fullUrl) index.set(fullUrl, m);
  };
  for (const value of bundles) {
    if (!isOfType(value, 'Bundle')) continue;
    for (const entry of Array.isArray(value.entry) ? value.entry : []) {
      if (isOfType(entry?.resource, 'Medication'))
        add(entry.resource, typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined);
    }
  }
  for (const r of extra) if (r.resourceType === 'Medication') add(r);
  return index;
}

function medicationRefs(resources: readonly FhirResource[]): string[] {
  const refs = new Set<string>();
  for (const r of resources) {
    if (
      r.resourceType !== 'MedicationRequest' &&
      r.resourceType !== 'MedicationStatement' &&
      r.resourceType !== 'MedicationAdministration'
    )
      continue;
    const ref = r.medicationReference?.reference;
    if (typeof ref === 'string' && ref && !ref.startsWith('#')) refs.add(ref);
  }
  return [...refs];
}

/**
 * The URL of a `Medication` read for a medicationReference (relative, or
 * absolute on the FHIR server), or undefined when the reference does not
 * name a Medication under the FHIR base ({@link pathUnderBase}).
 */
function readableMedicationRef(ref: string, fhir: FhirAccess): string | undefined {
  const path = pathUnderBase(ref, fhir.baseUrl);
  return path !== undefined && /^Medication\/[A-Za-z0-9\-.]{1,64}$/.test(path) ? path : undefined;
}

/** How a partial key is described in `unavailable` (and so on the cards that need it). */
export const PARTIAL_TEXT: Readonly<Record<PartialReason, string>> = {
  'page-limit': 'only the first pages of the results were read',
  'repeated-link': 'only part of the results could be read',
  'foreign-link':
    'only part of the results could be read (a next link outside the FHIR server was not followed)',
  'byte-budget': 'only part of the results could be read (the data limit of one call was reached)',
  'no-fhir-server': 'only the first page of the results was sent and no fhirServer was given',
  error: 'only part of the results could be read',
  timeout: 'only part of the results could be read',
};

/**
 * Gathers the data for one call. Pure with respect to the request: network
 * access goes only to `fhir.baseUrl`, and every failure becomes a value.
 */
export async function gather(input: GatherInput): Promise<GatherResult> {
  const { wanted, prefetch, fhir, patientId } = input;
  const prefetchValues = prefetch ?? {};
  const plans = wanted.map((w) => ({
    w,
    plan: plan(prefetchValues[w.key], Object.prototype.hasOwnProperty.call(prefetchValues, w.key), w.key),
  }));

  let fhirRequests = 0;
  const outcomes = await Promise.all(
    plans.map(
      async ({
        w,
        plan: p,
      }): Promise<{ w: WantedKey; resources?: FhirResource[]; partial?: PartialReason; reason?: string }> => {
        if (p.kind === 'have' && !p.next) return { w, resources: p.resources };
        if (!fhir) {
          return p.kind === 'have'
            ? { w, resources: p.resources, partial: 'no-fhir-server' }
            : { w, reason: `${p.why} and no fhirServer was given` };
        }
        const outcome: FetchOutcome =
          p.kind === 'have' && p.next
            ? await runQuery(fhir, p.next, 'search', true)
            : await runQuery(
                fhir,
                w.query.interaction === 'search' ? withCount(w.url, input.searchCount) : w.url,
                w.query.interaction,
              );
        fhirRequests += outcome.requests;
        if (!outcome.ok)
          return { w, reason: `${p.kind === 'fetch' ? p.why : 'next page'}; FHIR server: ${outcome.reason}` };
        const before = p.kind === 'have' ? p.resources : [];
        return {
          w,
          resources: [...before, ...outcome.resources],
          ...(outcome.partial ? { partial: outcome.partial } : {}),
        };
      },
    ),
  );

  const missing: MissingData[] = [];
  const unavailable: string[] = [];
  const partial: PartialKey[] = [];
  // What each wanted key returned, whatever keys the service asks for.
  const collected = new Map<PrefetchKey, FhirResource[]>();
  for (const o of outcomes) {
    if (o.resources) {
      collected.set(o.w.key, o.resources);
      if (o.partial) {
        partial.push({ key: o.w.key, reason: o.partial });
        unavailable.push(`${o.w.query.description}: ${PARTIAL_TEXT[o.partial]}`);
      }
      continue;
    }
    const reason = o.reason ?? 'not available';
    if (o.w.required) {
      missing.push({
        key: o.w.key,
        description: o.w.query.description,
        template: o.w.query.template,
        reason,
      });
    } else {
      unavailable.push(`${o.w.query.description} could not be obtained`);
    }
  }
  if (missing.length > 0) return { ok: false, missing, fhirRequests };

  // Only this patient's resources, whatever the source sent.
  const urns = urnPatients([
    ...Object.values(prefetchValues),
    ...(input.draftBundle ? [input.draftBundle] : []),
  ]);
  const mine = (r: FhirResource): boolean => !refersToOtherPatient(subjectOf(r), patientId, urns);
  const all = [...collected.values()].flat().filter(mine);

  const medications = indexMedications(Object.values(prefetchValues), [
    ...all,
    ...(input.draftResources ?? []),
  ]);
  const unresolved = medicationRefs([...all, ...(input.draftResources ?? [])]).filter(
    (ref) => !medications.has(ref),
  );
  if (unresolved.length > 0) {
    if (fhir) {
      const reads = await Promise.all(
        unresolved.map(async (ref) => {
          const url = readableMedicationRef(ref, fhir);
          if (!url) return { ref, outcome: undefined };
          const outcome = await runQuery(fhir, url, 'read');
          fhirRequests += outcome.requests;
          return { ref, outcome };
        }),
      );
      for (const { ref, outcome } of reads) {
        const med = outcome?.ok
          ? outcome.resources.find((r): r is Medication => r.resourceType === 'Medication')
          : undefined;
        if (med) medications.set(ref, med);
        else
          unavailable.push(
            `a referenced Medication could not be read (${ref.startsWith('urn:') ? 'bundle reference' : ref})`,
          );
      }
    } else {
      unavailable.push(
        `${unresolved.length} referenced Medication resource(s) were not included and no fhirServer was given`,
      );
    }
  }

  const patient = (collected.get('patient') ?? []).find(
    (r): r is Patient => r.resourceType === 'Patient' && (!r.id || r.id === patientId),
  );
  const data: PatientData = {
    patientId,
    ...(patient ? { patient } : {}),
    conditions: all.filter((r): r is Condition => r.resourceType === 'Condition'),
    observations: all.filter((r): r is Observation => r.resourceType === 'Observation'),
    medicationRequests: all.filter((r): r is MedicationRequest => r.resourceType === 'MedicationRequest'),
    medicationStatements: all.filter(
      (r): r is MedicationStatement => r.resourceType === 'MedicationStatement',
    ),
    medicationAdministrations: all.filter(
      (r): r is MedicationAdministration => r.resourceType === 'MedicationAdministration',
    ),
    procedures: all.filter((r): r is Procedure => r.resourceType === 'Procedure'),
    deviceUseStatements: all.filter((r): r is DeviceUseStatement => r.resourceType === 'DeviceUseStatement'),
    medications,
    unavailable,
  };
  return { ok: true, data, partial, fhirRequests };
}

/** The resources of a draftOrders Bundle. */
export function draftResources(bundle: Bundle | undefined): FhirResource[] {
  return bundle ? bundleResources(bundle) : [];
}
