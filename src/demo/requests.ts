/**
 * Ready-made hook requests for the fixture patients, with prefetch filled from
 * the service's own templates, exactly as an EHR that honours every template
 * would send them. `npm run fixtures` writes them to fhir-fixtures/requests/;
 * a test checks that the committed files still match.
 */
import { createHash } from 'node:crypto';
import type { Bundle, MedicationRequest } from 'fhir/r4.js';
import { SYSTEM } from '../knowledge/terminology.js';
import { PREFETCH_QUERIES, type PrefetchKey } from '../protocol/prefetch-catalog.js';
import { renderTemplate } from '../cds-hooks/request.js';
import { type ServiceDefinition, SERVICES, prefetchOf } from '../cds-hooks/services.js';
import type { FhirStore } from './fhir-store.js';
import type { FixtureCase } from './cases.js';
import { queryStore } from './search.js';

/** A stable UUID derived from a name, so regenerated fixtures do not change. */
export function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function service(id: string): ServiceDefinition {
  const found = SERVICES.find((s) => s.id === id);
  if (!found) throw new Error(`unknown service ${id}`);
  return found;
}

/** The full prefetch of a service for one patient. */
export function prefetchFor(store: FhirStore, serviceId: string, patientId: string): Record<string, unknown> {
  const tokens = { patientId, userId: 'Practitioner/demo-prescriber' };
  return Object.fromEntries(
    prefetchOf(service(serviceId)).map(({ key, query }) => [
      key,
      queryStore(store, renderTemplate(query.template, tokens)),
    ]),
  );
}

/** A draft MedicationRequest for the order hooks. */
export function draftOrder(options: {
  id: string;
  patientId: string;
  rxcui: string;
  display: string;
  doseMg: number;
  timingCode: string;
  reasonText?: string;
}): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: options.id,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEM.rxnorm, code: options.rxcui, display: options.display }],
      text: options.display,
    },
    subject: { reference: `Patient/${options.patientId}` },
    dosageInstruction: [
      {
        text: `${options.doseMg} mg ${options.timingCode}`,
        timing: {
          code: {
            coding: [
              {
                system: SYSTEM.timingAbbreviation,
                code: options.timingCode,
              },
            ],
          },
        },
        doseAndRate: [
          { doseQuantity: { value: options.doseMg, unit: 'mg', system: SYSTEM.ucum, code: 'mg' } },
        ],
      },
    ],
    ...(options.reasonText ? { reasonCode: [{ text: options.reasonText }] } : {}),
  };
}

/** A draft written as an EHR writes it: its own elements, with id, draft status, intent and subject filled in. */
export function writtenDraft(
  id: string,
  patientId: string,
  elements: Readonly<Record<string, unknown>>,
): MedicationRequest {
  return {
    ...(elements as Partial<MedicationRequest>),
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
  };
}

/** A patient-view request with full prefetch. */
export function patientViewRequest(store: FhirStore, patientId: string): Record<string, unknown> {
  return {
    hookInstance: stableUuid(`patient-view/${patientId}`),
    hook: 'patient-view',
    context: { userId: 'Practitioner/demo-prescriber', patientId },
    prefetch: prefetchFor(store, 'rls-patient-view', patientId),
  };
}

/** An order-select or order-sign request with full prefetch and the given drafts. */
export function orderRequest(
  store: FhirStore,
  hook: 'order-select' | 'order-sign',
  patientId: string,
  drafts: readonly MedicationRequest[],
  selections?: readonly string[],
): Record<string, unknown> {
  const draftOrders: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: drafts.map((resource) => ({ resource })),
  };
  return {
    hookInstance: stableUuid(
      `${hook}/${patientId}/${drafts.map((d) => d.id).join(',')}/${(selections ?? []).join(',')}`,
    ),
    hook,
    context: {
      userId: 'Practitioner/demo-prescriber',
      patientId,
      ...(hook === 'order-select'
        ? { selections: selections ?? drafts.map((d) => `MedicationRequest/${d.id ?? ''}`) }
        : {}),
      draftOrders,
    },
    prefetch: prefetchFor(store, hook === 'order-select' ? 'rls-order-select' : 'rls-order-sign', patientId),
  };
}

/** The request with the given prefetch Bundles marked as a first page (a `next` link to the rest). */
function firstPageOnly(body: Record<string, unknown>, keys: readonly PrefetchKey[]): Record<string, unknown> {
  const prefetch = { ...(body.prefetch as Record<string, unknown>) };
  for (const key of keys) {
    const bundle = prefetch[key] as Bundle | undefined;
    if (!bundle || bundle.resourceType !== 'Bundle') throw new Error(`partial: no prefetch Bundle ${key}`);
    const type = PREFETCH_QUERIES[key].resourceType;
    prefetch[key] = {
      ...bundle,
      link: [{ relation: 'next', url: `https://ehr.example.org/fhir/${type}?page=2` }],
    };
  }
  return { ...body, prefetch };
}

/** Every ready request, by file name: one per case and hook of the case table. */
export function allFixtureRequests(
  store: FhirStore,
  cases: readonly FixtureCase[],
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const c of cases) {
    const drafts = (c.drafts ?? []).map((d) =>
      'resource' in d
        ? writtenDraft(d.id, c.patient, d.resource)
        : draftOrder({
            id: d.id,
            patientId: c.patient,
            rxcui: d.rxcui,
            display: d.display,
            doseMg: d.doseMg,
            timingCode: d.timing,
            ...(d.reasonText ? { reasonText: d.reasonText } : {}),
          }),
    );
    for (const hook of c.hooks) {
      const body =
        hook === 'patient-view'
          ? patientViewRequest(store, c.patient)
          : orderRequest(store, hook, c.patient, drafts, hook === 'order-select' ? c.selections : undefined);
      out[`${c.name}--${hook}.json`] = c.partial ? firstPageOnly(body, c.partial) : body;
    }
  }
  return out;
}
