/**
 * CDS Hooks 2.0 shapes as an EHR reads them. Responses are untrusted JSON:
 * {@link readCards} keeps what can be shown and drops the rest.
 */
import type { FhirResource } from 'fhir/r4.js';
import { SUPPRESSION_EXTENSION } from '../../src/suppression/extension-name.js';

export { SUPPRESSION_EXTENSION };

export type HookName = 'patient-view' | 'order-select' | 'order-sign';
export const HOOKS: readonly HookName[] = ['patient-view', 'order-select', 'order-sign'];

export interface Coding {
  system?: string;
  code: string;
  display?: string;
}

export interface Action {
  type: string;
  description: string;
  resource?: FhirResource;
  resourceId?: string;
}

export interface Suggestion {
  label: string;
  uuid?: string;
  isRecommended?: boolean;
  actions: Action[];
}

export interface CardLink {
  label: string;
  url: string;
  type: string;
}

export type Indicator = 'info' | 'warning' | 'critical';

export interface Card {
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: { label: string; url?: string; topic?: Coding };
  suggestions: Suggestion[];
  selectionBehavior?: string;
  overrideReasons: Coding[];
  links: CardLink[];
}

/** A service from the discovery document. */
export interface DiscoveryService {
  hook: string;
  id: string;
  title?: string;
  description?: string;
  prefetch?: Record<string, string>;
}

/** One entry of a feedback POST. */
export interface FeedbackEntry {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: Coding; userComment?: string };
  outcomeTimestamp: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function coding(v: unknown): Coding | undefined {
  if (!isObj(v) || !str(v.code)) return undefined;
  return {
    code: str(v.code) ?? '',
    ...(str(v.system) ? { system: str(v.system) } : {}),
    ...(str(v.display) ? { display: str(v.display) } : {}),
  };
}

function indicator(v: unknown): Indicator {
  return v === 'critical' || v === 'warning' ? v : 'info';
}

/** The cards of a service response, read defensively. */
export function readCards(body: unknown): Card[] {
  if (!isObj(body)) return [];
  return arr(body.cards)
    .filter(isObj)
    .map((c) => {
      const source = isObj(c.source) ? c.source : {};
      const topic = coding(source.topic);
      return {
        ...(str(c.uuid) ? { uuid: str(c.uuid) } : {}),
        summary: str(c.summary) ?? '(no summary)',
        ...(str(c.detail) ? { detail: str(c.detail) } : {}),
        indicator: indicator(c.indicator),
        source: {
          label: str(source.label) ?? '(no source)',
          ...(str(source.url) ? { url: str(source.url) } : {}),
          ...(topic ? { topic } : {}),
        },
        suggestions: arr(c.suggestions)
          .filter(isObj)
          .map((s) => ({
            label: str(s.label) ?? '(no label)',
            ...(str(s.uuid) ? { uuid: str(s.uuid) } : {}),
            ...(s.isRecommended === true ? { isRecommended: true } : {}),
            actions: arr(s.actions)
              .filter(isObj)
              .map((a) => ({
                type: str(a.type) ?? '?',
                description: str(a.description) ?? '',
                ...(isObj(a.resource) && str(a.resource.resourceType)
                  ? { resource: a.resource as unknown as FhirResource }
                  : {}),
                ...(str(a.resourceId) ? { resourceId: str(a.resourceId) } : {}),
              })),
          })),
        ...(str(c.selectionBehavior) ? { selectionBehavior: str(c.selectionBehavior) } : {}),
        overrideReasons: arr(c.overrideReasons)
          .map(coding)
          .filter((x): x is Coding => x !== undefined),
        links: arr(c.links)
          .filter(isObj)
          .map((l) => ({ label: str(l.label) ?? '', url: str(l.url) ?? '', type: str(l.type) ?? 'absolute' }))
          .filter((l) => l.url),
      };
    });
}

/** A card the service held back because the clinician answered the same finding before. */
export interface SuppressedNote {
  ruleId: string;
  outcome: 'accepted' | 'overridden';
  /** YYYY-MM-DD of the answer. */
  answeredOn: string;
  reason?: string;
}

/** The cards the service says it held back (its suppression extension), read defensively. */
export function readSuppressed(body: unknown): SuppressedNote[] {
  if (!isObj(body) || !isObj(body.extension)) return [];
  const ext = body.extension[SUPPRESSION_EXTENSION];
  if (!isObj(ext)) return [];
  return arr(ext.cards)
    .filter(isObj)
    .map((c) => {
      const reason = isObj(c.reason) ? (str(c.reason.display) ?? str(c.reason.code)) : undefined;
      return {
        ruleId: str(c.ruleId) ?? '(rule)',
        outcome: c.outcome === 'accepted' ? ('accepted' as const) : ('overridden' as const),
        answeredOn: (str(c.answeredAt) ?? '').slice(0, 10),
        ...(reason ? { reason } : {}),
      };
    });
}

/** "overridden on 2026-10-31: IV iron given recently", "accepted on 2026-10-31". */
export function suppressedWhy(note: SuppressedNote): string {
  return `${note.outcome} on ${note.answeredOn}${note.reason ? `: ${note.reason}` : ''}`;
}

/** The services of a discovery document. */
export function readServices(body: unknown): DiscoveryService[] {
  if (!isObj(body)) return [];
  return arr(body.services)
    .filter(isObj)
    .filter((s) => str(s.hook) && str(s.id))
    .map((s) => ({
      hook: str(s.hook) ?? '',
      id: str(s.id) ?? '',
      ...(str(s.title) ? { title: str(s.title) } : {}),
      ...(str(s.description) ? { description: str(s.description) } : {}),
      ...(isObj(s.prefetch)
        ? {
            prefetch: Object.fromEntries(
              Object.entries(s.prefetch).filter((e): e is [string, string] => typeof e[1] === 'string'),
            ),
          }
        : {}),
    }));
}

/**
 * Fills a prefetch template's tokens from the context (CDS Hooks 2.0 §prefetch
 * tokens). Returns undefined when a token has no value: the EHR then leaves the key out.
 */
export function renderPrefetch(template: string, context: Record<string, unknown>): string | undefined {
  let missing = false;
  const userId = typeof context.userId === 'string' ? context.userId : '';
  const [userType, userRef] = userId.split('/');
  const out = template.replace(/\{\{\s*([A-Za-z.]+)\s*\}\}/g, (_, token: string) => {
    let value: unknown;
    if (token.startsWith('context.')) value = context[token.slice('context.'.length)];
    else if (token === 'userPractitionerId' && userType === 'Practitioner') value = userRef;
    else if (token === 'userPractitionerRoleId' && userType === 'PractitionerRole') value = userRef;
    else if (token === 'userPatientId' && userType === 'Patient') value = userRef;
    else if (token === 'userRelatedPersonId' && userType === 'RelatedPerson') value = userRef;
    if (typeof value !== 'string' || !value) {
      missing = true;
      return '';
    }
    return encodeURIComponent(value);
  });
  return missing ? undefined : out;
}
