/**
 * The simulated EHR: patient, chart, draft orders and the CDS Hooks client.
 * No DOM here; the view subscribes to changes.
 *
 * It behaves as an EHR does: discovery first; for each hook call the
 * prefetch templates of the service are filled from the context and run
 * against the (demo) FHIR server; the request carries fhirServer so the
 * service can fetch anything missing; cards are shown, suggestions applied
 * to the chart on "Accept", and accept/override outcomes posted as feedback.
 * With the service's demo issuer on, every call (discovery included) carries
 * a bearer JWT signed for exactly that endpoint.
 */
import type { Bundle, Condition, FhirResource, Patient } from 'fhir/r4.js';
import type { FactsView, OrderableView, SessionView } from '../../src/demo/simulator/api-types.js';
import {
  type Card,
  type Coding,
  type DiscoveryService,
  type FeedbackEntry,
  type HookName,
  SUPPRESSION_EXTENSION,
  type Suggestion,
  type SuppressedNote,
  readCards,
  readServices,
  readSuppressed,
  renderPrefetch,
} from './cds.js';
import { type Exchange, exchange, jsonOf, uuid } from './http.js';
import { type ComposedOrder, draftMedicationRequest, normaliseResourceId, referenceOf } from './orders.js';

const FHIR_BASE = '/demo/fhir';
const API = '/demo/api';

/** The latest answer of a hook. */
export interface HookResult {
  readonly serviceId: string;
  readonly status: number;
  readonly cards: readonly Card[];
  /** Cards the service held back (suppression), as it says in its response extension. */
  readonly suppressed: readonly SuppressedNote[];
  /** This answer was asked for with suppression off ("Show anyway"). */
  readonly showAnyway: boolean;
  /** A readable error when the call did not answer 200. */
  readonly error?: string;
  readonly exchangeId: number;
  readonly ms: number;
}

/** What the clinician did with a card, and how the feedback POST went. */
export interface CardOutcome {
  readonly kind: 'accepted' | 'overridden';
  readonly text: string;
  /** Notes on how the suggestion was applied to the chart. */
  readonly applied: readonly string[];
  feedback: 'sending' | { status: number; text: string };
}

/** A draft order in the order basket. */
export interface Draft {
  readonly resource: FhirResource & { id: string };
  readonly origin: 'composer' | 'suggestion';
}

export type Change = 'patient' | 'facts' | 'cards' | 'orders' | 'log' | 'busy';

function bundleResources(value: unknown): FhirResource[] {
  const b = value as Bundle | undefined;
  return (b?.resourceType === 'Bundle' ? (b.entry ?? []) : [])
    .map((e) => e.resource)
    .filter((r): r is FhirResource => !!r);
}

function problem(x: Exchange, signed: boolean): string {
  const body = jsonOf(x) as { issue?: { diagnostics?: string }[] } | undefined;
  const diag = body?.issue
    ?.map((i) => i.diagnostics)
    .filter(Boolean)
    .join(' ');
  if (x.status === 0) return x.responseText;
  if (x.status === 401 && !diag)
    return signed
      ? 'HTTP 401: the service refused the JWT of the demo issuer (see the service log, "authentication refused")'
      : 'HTTP 401: the service requires a signed JWT (CDS_CLIENTS_FILE is set) and the simulator has no demo issuer to sign one: start the service with CDS_DEMO_ISSUER=true';
  return `HTTP ${x.status}${diag ? `: ${diag}` : ''}`;
}

export class Ehr {
  session: SessionView = {
    fhirServer: '',
    userId: 'Practitioner/demo-prescriber',
    publicUrl: location.origin,
    jwt: false,
  };
  services: DiscoveryService[] = [];
  orderables: OrderableView[] = [];
  patients: Patient[] = [];
  patient: Patient | undefined;
  /** The problem list as the last prefetch returned it. */
  problems: Condition[] = [];
  facts: FactsView | undefined;
  factsError: string | undefined;
  drafts: Draft[] = [];
  signed: FhirResource[] = [];
  /** True after order-sign answered with cards: the clinician reviews them, then completes signing. */
  signPending = false;
  results: Partial<Record<HookName, HookResult>> = {};
  readonly outcomes = new Map<string, CardOutcome>();
  readonly log: Exchange[] = [];
  readonly busy = new Set<HookName>();
  startupError: string | undefined;
  /** Counts hook answers, so the view can bring the newest one into sight. */
  answers = 0;
  lastAnswered: HookName | undefined;
  private generation = 0;
  private draftCounter = 0;
  private readonly listeners: ((change: Change) => void)[] = [];

  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  private emit(...changes: Change[]): void {
    for (const c of changes) for (const l of this.listeners) l(c);
  }

  private record(x: Exchange): void {
    this.log.unshift(x);
    this.emit('log');
  }

  /** Session settings, discovery, the drug list and the patient list. */
  async start(): Promise<void> {
    const [session, orderables, patients] = await Promise.all([
      exchange('fhir', 'session', 'GET', `${API}/session`),
      exchange('fhir', 'orderables', 'GET', `${API}/orderables`),
      this.listPatients(),
    ]);
    if (session.status === 200) this.session = jsonOf(session) as SessionView;
    if (orderables.status === 200) this.orderables = jsonOf(orderables) as OrderableView[];
    this.patients = patients.list.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
    const discovery = await exchange('discovery', 'discovery', 'GET', '/cds-services', {
      headers: await this.authHeaders('/cds-services'),
    });
    this.record(discovery);
    this.services = readServices(jsonOf(discovery));
    if (discovery.status !== 200 || this.services.length === 0)
      this.startupError = `discovery failed: ${this.problem(discovery)}`;
    else if (patients.failed)
      this.startupError = `the demo FHIR server did not list patients: ${this.problem(patients.failed)}`;
    this.emit('patient', 'orders');
  }

  /** Every Patient on the demo FHIR server, following `next` links. */
  private async listPatients(): Promise<{ list: Patient[]; failed?: Exchange }> {
    const list: Patient[] = [];
    let url: string | undefined = `${FHIR_BASE}/Patient`;
    for (let page = 0; url && page < 50; page += 1) {
      const x = await exchange('fhir', 'patients', 'GET', url);
      if (x.status !== 200) return { list, failed: x };
      const bundle = jsonOf(x) as Bundle | undefined;
      list.push(...bundleResources(bundle).filter((r): r is Patient => r.resourceType === 'Patient'));
      url = bundle?.link?.find((l) => l.relation === 'next')?.url;
    }
    return { list };
  }

  get patientId(): string | undefined {
    return this.patient?.id;
  }

  /** Opens a chart: a fresh order basket and a patient-view call. */
  async openChart(patientId: string): Promise<void> {
    this.generation += 1;
    this.patient = this.patients.find((p) => p.id === patientId);
    this.problems = [];
    this.facts = undefined;
    this.factsError = undefined;
    this.drafts = [];
    this.signed = [];
    this.signPending = false;
    this.results = {};
    this.outcomes.clear();
    this.emit('patient', 'facts', 'cards', 'orders');
    if (this.patient) await this.fire('patient-view', {});
  }

  private serviceFor(hook: HookName): DiscoveryService | undefined {
    return this.services.find((s) => s.hook === hook);
  }

  /** Runs the service's prefetch templates against the FHIR server, as an EHR fills prefetch. */
  private async prefetch(
    service: DiscoveryService,
    context: Record<string, unknown>,
  ): Promise<{ prefetch: Record<string, unknown>; queries: Exchange[] }> {
    const entries = Object.entries(service.prefetch ?? {});
    const queries = await Promise.all(
      entries.map(async ([key, template]) => {
        const query = renderPrefetch(template, context);
        if (query === undefined) return { key, x: undefined };
        const x = await exchange('fhir', `prefetch ${key}`, 'GET', `${FHIR_BASE}/${query}`, {
          headers: { Accept: 'application/fhir+json' },
        });
        return { key, x };
      }),
    );
    const prefetch: Record<string, unknown> = {};
    for (const { key, x } of queries) {
      if (!x) continue;
      // A read that finds nothing is known to be empty (null); other failures leave the key out,
      // so the service fetches it itself.
      if (x.status === 200) prefetch[key] = jsonOf(x);
      else if (x.status === 404) prefetch[key] = null;
    }
    return { prefetch, queries: queries.flatMap((q) => (q.x ? [q.x] : [])) };
  }

  /** A readable error for an exchange that did not answer 200. */
  private problem(x: Exchange): string {
    return problem(x, this.session.jwt);
  }

  /**
   * The Authorization header for a call to `path` (an endpoint of the service): a fresh JWT of
   * the demo issuer whose `aud` is the endpoint's external URL, as the service expects it.
   * None when the demo issuer is off; a failed token request is shown in the inspector.
   */
  private async authHeaders(path: string): Promise<Record<string, string>> {
    if (!this.session.jwt) return {};
    const x = await exchange('fhir', 'demo issuer JWT', 'POST', `${API}/jwt`, {
      body: JSON.stringify({ aud: `${this.session.publicUrl}${path}` }),
      headers: { 'Content-Type': 'application/json' },
    });
    const token = x.status === 200 ? (jsonOf(x) as { token?: unknown } | undefined)?.token : undefined;
    if (typeof token === 'string' && token) return { Authorization: `Bearer ${token}` };
    this.record(x);
    return {};
  }

  /** The context each hook was last called with, for "Show anyway". */
  private lastContext: Partial<Record<HookName, Record<string, unknown>>> = {};

  /** Calls the hook again with the same context, asking the service to hold nothing back. */
  async showAnyway(hook: HookName): Promise<void> {
    const extra = this.lastContext[hook];
    if (extra) await this.fire(hook, extra, true);
  }

  /**
   * Calls the service of a hook for the open chart, with `extra` context (selections, draftOrders);
   * with `showAnyway`, the request's suppression extension asks for every card.
   */
  async fire(
    hook: HookName,
    extra: Record<string, unknown>,
    showAnyway = false,
  ): Promise<HookResult | undefined> {
    const patientId = this.patientId;
    const service = this.serviceFor(hook);
    if (!patientId || !service) return undefined;
    const generation = this.generation;
    this.lastContext[hook] = extra;
    this.busy.add(hook);
    this.emit('busy');
    try {
      const context = { userId: this.session.userId, patientId, ...extra };
      const t0 = performance.now();
      const { prefetch, queries } = await this.prefetch(service, context);
      const prefetchMs = performance.now() - t0;
      const body = {
        hookInstance: uuid(),
        hook,
        fhirServer: this.session.fhirServer,
        context,
        prefetch,
        ...(showAnyway ? { extension: { [SUPPRESSION_EXTENSION]: { disable: true } } } : {}),
      };
      const url = `/cds-services/${encodeURIComponent(service.id)}`;
      const text = JSON.stringify(body, null, 2);
      const headers = { 'Content-Type': 'application/json', ...(await this.authHeaders(url)) };
      const x = await exchange('hook', hook, 'POST', url, { body: text, headers });
      if (generation !== this.generation) return undefined;
      this.record({ ...x, prefetch: queries, prefetchMs });
      const result: HookResult = {
        serviceId: service.id,
        status: x.status,
        cards: x.status === 200 ? readCards(jsonOf(x)) : [],
        suppressed: x.status === 200 ? readSuppressed(jsonOf(x)) : [],
        showAnyway,
        ...(x.status === 200 ? {} : { error: this.problem(x) }),
        exchangeId: x.id,
        ms: x.ms,
      };
      this.results[hook] = result;
      this.answers += 1;
      this.lastAnswered = hook;
      if (hook === 'patient-view') {
        this.problems = bundleResources(prefetch.conditions).filter(
          (r): r is Condition => r.resourceType === 'Condition',
        );
      }
      this.emit('cards', 'patient');
      void this.refreshFacts(text, generation);
      return result;
    } finally {
      this.busy.delete(hook);
      this.emit('busy');
    }
  }

  /** Asks the simulator API what the service derives from exactly this request body. */
  private async refreshFacts(body: string, generation: number): Promise<void> {
    const x = await exchange('fhir', 'facts', 'POST', `${API}/facts`, {
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    if (generation !== this.generation) return;
    if (x.status === 200) {
      this.facts = jsonOf(x) as FactsView;
      this.factsError = undefined;
    } else this.factsError = this.problem(x);
    this.emit('facts');
  }

  private draftBundle(): Bundle {
    return {
      resourceType: 'Bundle',
      type: 'collection',
      entry: this.drafts.map((d) => ({ resource: d.resource })),
    };
  }

  private nextDraftId(): string {
    this.draftCounter += 1;
    return `draft-${this.draftCounter}`;
  }

  /** The composer's "Select": adds the draft MedicationRequest and fires order-select for it. */
  async selectOrder(order: ComposedOrder): Promise<void> {
    const patientId = this.patientId;
    if (!patientId) return;
    const resource = draftMedicationRequest(
      order,
      { id: this.nextDraftId(), patientId, userId: this.session.userId },
      new Date(),
    ) as FhirResource & { id: string };
    this.drafts.push({ resource, origin: 'composer' });
    this.signPending = false;
    this.emit('orders');
    await this.fire('order-select', {
      selections: [referenceOf(resource)],
      draftOrders: this.draftBundle(),
    });
  }

  /** Selecting an existing draft again (order-select for that one). */
  async reselect(id: string): Promise<void> {
    const draft = this.drafts.find((d) => d.resource.id === id);
    if (!draft) return;
    await this.fire('order-select', {
      selections: [referenceOf(draft.resource)],
      draftOrders: this.draftBundle(),
    });
  }

  removeDraft(id: string): void {
    this.drafts = this.drafts.filter((d) => d.resource.id !== id);
    this.signPending = false;
    this.emit('orders');
  }

  /** "Sign": order-sign with every draft; signs at once when no card comes back. */
  async sign(): Promise<void> {
    if (this.drafts.length === 0) return;
    const result = await this.fire('order-sign', { draftOrders: this.draftBundle() });
    if (!result) return;
    if (result.status === 200 && result.cards.length === 0) this.completeSigning();
    else {
      this.signPending = true;
      this.emit('orders');
    }
  }

  /** Signs the remaining drafts after the order-sign cards were reviewed. */
  completeSigning(): void {
    for (const d of this.drafts) {
      const r = { ...d.resource, status: 'active' } as FhirResource;
      this.signed.push(r);
    }
    this.drafts = [];
    this.signPending = false;
    this.emit('orders');
  }

  /** The key under which a card's outcome is kept. */
  static cardKey(hook: HookName, card: Card, index: number): string {
    return card.uuid ?? `${hook}#${index}`;
  }

  /** Applies a suggestion's actions to the simulated chart and returns what happened, in words. */
  private apply(suggestion: Suggestion): string[] {
    const notes: string[] = [];
    for (const action of suggestion.actions) {
      if (action.type === 'create' && action.resource) {
        const id = action.resource.id ?? this.nextDraftId();
        const resource = { ...action.resource, id };
        this.drafts.push({ resource, origin: 'suggestion' });
        notes.push(`added ${referenceOf(resource)} to the draft orders`);
      } else if ((action.type === 'delete' || action.type === 'update') && action.resourceId) {
        const target = normaliseResourceId(action.resourceId);
        const index = this.drafts.findIndex(
          (d) => referenceOf(d.resource) === target || d.resource.id === target,
        );
        if (index < 0) {
          notes.push(`${target} is not a draft order of this session: nothing to ${action.type}`);
        } else if (action.type === 'delete') {
          this.drafts.splice(index, 1);
          notes.push(`removed the draft ${target}`);
        } else if (action.resource) {
          const old = this.drafts[index];
          if (old)
            this.drafts[index] = {
              ...old,
              resource: { ...action.resource, id: old.resource.id },
            };
          notes.push(`updated the draft ${target}`);
        }
      } else if (action.type === 'update' && action.resource?.id) {
        const target = referenceOf(action.resource);
        const index = this.drafts.findIndex((d) => referenceOf(d.resource) === target);
        if (index >= 0) {
          const old = this.drafts[index];
          if (old)
            this.drafts[index] = { ...old, resource: action.resource as FhirResource & { id: string } };
          notes.push(`updated the draft ${target}`);
        } else notes.push(`${target} is not a draft order of this session: nothing to update`);
      } else {
        notes.push(`action "${action.type}" could not be applied (missing resource or resourceId)`);
      }
    }
    this.signPending = this.signPending && this.drafts.length > 0;
    return notes;
  }

  /** "Accept" on a suggestion: apply it, mark the card, post feedback. */
  async accept(hook: HookName, card: Card, index: number, suggestion: Suggestion): Promise<void> {
    const key = Ehr.cardKey(hook, card, index);
    if (this.outcomes.has(key)) return;
    const applied = this.apply(suggestion);
    const outcome: CardOutcome = { kind: 'accepted', text: suggestion.label, applied, feedback: 'sending' };
    this.outcomes.set(key, outcome);
    this.emit('orders', 'cards');
    await this.feedback(hook, card, outcome, {
      card: card.uuid ?? '',
      outcome: 'accepted',
      acceptedSuggestions: [{ id: suggestion.uuid ?? '' }],
      outcomeTimestamp: new Date().toISOString(),
    });
  }

  /** "Override" with one of the card's reasons (or none when it offers none) and a comment. */
  async override(
    hook: HookName,
    card: Card,
    index: number,
    reason: Coding | undefined,
    comment: string,
  ): Promise<void> {
    const key = Ehr.cardKey(hook, card, index);
    if (this.outcomes.has(key)) return;
    const outcome: CardOutcome = {
      kind: 'overridden',
      text: reason?.display ?? reason?.code ?? 'no reason given',
      applied: [],
      feedback: 'sending',
    };
    this.outcomes.set(key, outcome);
    this.emit('cards');
    const overrideReason = {
      ...(reason ? { reason } : {}),
      ...(comment.trim() ? { userComment: comment.trim() } : {}),
    };
    await this.feedback(hook, card, outcome, {
      card: card.uuid ?? '',
      outcome: 'overridden',
      ...(Object.keys(overrideReason).length ? { overrideReason } : {}),
      outcomeTimestamp: new Date().toISOString(),
    });
  }

  private async feedback(
    hook: HookName,
    card: Card,
    outcome: CardOutcome,
    entry: FeedbackEntry,
  ): Promise<void> {
    const serviceId = this.results[hook]?.serviceId;
    if (!serviceId || !card.uuid) {
      outcome.feedback = { status: 0, text: 'not sent: the card has no uuid' };
      this.emit('cards');
      return;
    }
    const url = `/cds-services/${encodeURIComponent(serviceId)}/feedback`;
    const headers = { 'Content-Type': 'application/json', ...(await this.authHeaders(url)) };
    const x = await exchange('feedback', `feedback ${entry.outcome}`, 'POST', url, {
      body: JSON.stringify({ feedback: [entry] }, null, 2),
      headers,
    });
    this.record(x);
    outcome.feedback = { status: x.status, text: x.status === 200 ? x.responseText : this.problem(x) };
    this.emit('cards');
  }
}
