/**
 * One service call, straight through: gather FHIR data → snapshot → rules →
 * cards. No HTTP here: the route turns the outcome into a response.
 */
import { type PatientSnapshot, buildSnapshot } from '../clinical/snapshot.js';
import { renderCard } from '../cards/render.js';
import type { CardTemplate } from '../cards/templates.js';
import { normalizeFhirBase } from '../auth/clients.js';
import type { FhirAccess, FhirRequestEvent } from '../fhir/client.js';
import {
  type MissingData,
  PARTIAL_TEXT,
  type PartialKey,
  type WantedKey,
  draftResources,
  gather,
} from '../fhir/gather.js';
import { PREFETCH_QUERIES } from '../protocol/prefetch-catalog.js';
import { ByteBudget } from '../fhir/limited-dispatcher.js';
import { evaluate } from '../rules/index.js';
import { namePartialReads } from '../rules/reads.js';
import type { Finding } from '../rules/types.js';
import type { Card } from '../protocol/types.js';
import type { HookRequest } from './request.js';
import { renderTemplate } from './request.js';
import { type ServiceDefinition, prefetchOf } from './services.js';

/** What the handler needs from its surroundings (configuration and the clock). */
export interface HandlerDeps {
  readonly templates: ReadonlyMap<string, CardTemplate>;
  readonly baseUrl: string;
  readonly fhirTimeoutMs: number;
  readonly fhirMaxPages: number;
  /** `_count` sent with fallback searches. */
  readonly fhirPageSize?: number;
  /** Largest FHIR response body read (bytes). */
  readonly fhirMaxResponseBytes?: number;
  /** Bytes all FHIR responses of one call may add up to. */
  readonly fhirCallMaxBytes?: number;
  readonly now: () => Date;
  /** Observer of each HTTP request to the FHIR server (metrics). */
  readonly onFhirRequest?: (event: FhirRequestEvent) => void;
  /** Told when a rule throws and is skipped (logged; never fatal). */
  readonly onRuleError?: (ruleId: string) => void;
}

/** The outcome of a call: cards, or the required data that could not be obtained (the route answers 412). */
export type HandlerOutcome =
  | {
      readonly kind: 'cards';
      readonly cards: Card[];
      readonly ruleIds: string[];
      /** The finding behind each card, in the same order. */
      readonly findings: Finding[];
      /** Keys whose data is incomplete, and why. */
      readonly partial: readonly PartialKey[];
      readonly fhirRequests: number;
    }
  | {
      readonly kind: 'missing-data';
      readonly missing: readonly MissingData[];
      readonly fhirRequests: number;
    };

/** The service's prefetch keys with their templates filled in from the request's context. */
export function wantedKeys(service: ServiceDefinition, request: HookRequest): WantedKey[] {
  return prefetchOf(service).map(({ key, query, required }) => ({
    key,
    query,
    required,
    url: renderTemplate(query.template, request.contextTokens),
  }));
}

/** What the rules of one call run on, or the required data that could not be obtained. */
export type SnapshotOutcome =
  | {
      readonly ok: true;
      readonly snapshot: PatientSnapshot;
      /** Keys gathered only in part, and why. */
      readonly partial: readonly PartialKey[];
      readonly fhirRequests: number;
    }
  | { readonly ok: false; readonly missing: readonly MissingData[]; readonly fhirRequests: number };

/** Where the data of one call may come from besides its prefetch, and the clock. */
export interface SnapshotDeps {
  readonly now: Date;
  /** The EHR's FHIR server for what prefetch lacks; without it only the prefetch is read. */
  readonly fhir?: FhirAccess;
  /** `_count` asked of FHIR searches. */
  readonly searchCount?: number;
}

/**
 * The one pipeline from a validated request to the patient snapshot: the service's prefetch keys,
 * gathered (prefetch first, then the FHIR server when there is one), then read into facts. The hook
 * handler and the EHR simulator's "what the service sees" both use it.
 */
export async function snapshotFor(
  service: ServiceDefinition,
  request: HookRequest,
  deps: SnapshotDeps,
): Promise<SnapshotOutcome> {
  const wanted = wantedKeys(service, request);
  const result = await gather({
    patientId: request.patientId,
    wanted,
    prefetch: request.prefetch,
    fhir: deps.fhir,
    draftResources: draftResources(request.draftOrders),
    ...(request.draftOrders ? { draftBundle: request.draftOrders } : {}),
    ...(deps.searchCount ? { searchCount: deps.searchCount } : {}),
  });
  if (!result.ok) return { ok: false, missing: result.missing, fhirRequests: result.fhirRequests };

  const partial = [
    ...result.partial.map((p) => ({
      key: p.key,
      // The same line gather puts in `unavailable`, so that a card never names the gap twice.
      text: `${PREFETCH_QUERIES[p.key].description}: ${PARTIAL_TEXT[p.reason]}`,
    })),
    // An optional key that could not be read at all is not read in full either.
    ...wanted
      .map((w) => ({ key: w.key, text: `${w.query.description} could not be obtained` }))
      .filter((p) => result.data.unavailable.includes(p.text)),
  ];
  const snapshot = buildSnapshot({ ...result.data, partial }, deps.now, {
    medicationRequests: request.draftMedicationRequests,
    ...(request.hook === 'order-select' && request.selections ? { selections: request.selections } : {}),
  });
  return { ok: true, snapshot, partial: result.partial, fhirRequests: result.fhirRequests };
}

/** Handles one validated hook request for one service. */
export async function handleHook(
  service: ServiceDefinition,
  request: HookRequest,
  deps: HandlerDeps,
): Promise<HandlerOutcome> {
  const result = await snapshotFor(service, request, {
    now: deps.now(),
    ...(request.fhirServer
      ? {
          fhir: {
            // The WHATWG-normalized form that was checked against the allow-list.
            baseUrl: normalizeFhirBase(request.fhirServer),
            ...(request.accessToken ? { accessToken: request.accessToken } : {}),
            timeoutMs: deps.fhirTimeoutMs,
            maxPages: deps.fhirMaxPages,
            ...(deps.fhirMaxResponseBytes ? { maxResponseBytes: deps.fhirMaxResponseBytes } : {}),
            ...(deps.fhirCallMaxBytes ? { budget: new ByteBudget(deps.fhirCallMaxBytes) } : {}),
            ...(deps.onFhirRequest ? { onRequest: deps.onFhirRequest } : {}),
          },
        }
      : {}),
    ...(deps.fhirPageSize ? { searchCount: deps.fhirPageSize } : {}),
  });
  if (!result.ok) return { kind: 'missing-data', missing: result.missing, fhirRequests: result.fhirRequests };
  const { snapshot } = result;
  // A deprecated hook runs the rules of the hook that replaced it (medication-prescribe: every order is selected).
  // A key read only in part is named on every card whose rule reads it; data-incomplete stands alone.
  const findings = namePartialReads(
    evaluate(snapshot, service.rules, (ruleId) => deps.onRuleError?.(ruleId)),
    snapshot.partial,
  );
  const cards = findings.map((finding) => {
    const template = deps.templates.get(finding.ruleId);
    if (!template) throw new Error(`no card template for rule ${finding.ruleId}`);
    return renderCard(finding, template, { patientId: request.patientId, baseUrl: deps.baseUrl });
  });
  return {
    kind: 'cards',
    cards,
    ruleIds: findings.map((f) => f.ruleId),
    findings,
    partial: result.partial,
    fhirRequests: result.fhirRequests,
  };
}
