/**
 * Renders the simulated EHR: banner, chart, orders, CDS cards and the
 * inspector. Each section is rebuilt from the Ehr state when it changes.
 */
import type { Condition, Patient } from 'fhir/r4.js';
import type {
  FactsView,
  LabFindingView,
  MedicationView,
  OrderableView,
} from '../../src/demo/simulator/api-types.js';
import {
  type Card,
  type Coding,
  HOOKS,
  type HookName,
  type Suggestion,
  type SuppressedNote,
  suppressedWhy,
} from './cds.js';
import { byId, h } from './dom.js';
import { type Draft, Ehr } from './ehr.js';
import { age, ago, day, ms, num } from './format.js';
import type { Exchange } from './http.js';
import { markdownToHtml, safeUrl } from './markdown.js';
import { FREQUENCIES, INDICATIONS, describeResource, referenceOf } from './orders.js';
import { sanitizedFragment } from './sanitize.js';

const HOOK_TITLES: Readonly<Record<HookName, string>> = {
  'patient-view': 'Chart opened',
  'order-select': 'Order selected',
  'order-sign': 'Signing',
};

const INDICATOR_LABEL = { info: 'Info', warning: 'Warning', critical: 'Critical' } as const;

export function patientName(p: Patient | undefined): string {
  const n = p?.name?.find((x) => x.use === 'official') ?? p?.name?.[0];
  if (!n) return p?.id ?? '';
  return n.text ?? [n.given?.join(' '), n.family].filter(Boolean).join(' ');
}

function mrn(p: Patient): string | undefined {
  return (
    p.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? p.identifier?.[0]?.value
  );
}

function conceptText(
  c: { text?: string; coding?: { display?: string; code?: string }[] } | undefined,
): string {
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code ?? '';
}

export class View {
  private answersSeen = 0;
  /** Cards whose detail the user opened: details start collapsed, so the suggestions show without scrolling. */
  private readonly openDetails = new Set<string>();

  constructor(private readonly ehr: Ehr) {
    ehr.onChange((change) => {
      switch (change) {
        case 'patient':
          this.renderPicker();
          this.renderBanner();
          this.renderChart();
          break;
        case 'facts':
          this.renderChart();
          this.renderOrders();
          break;
        case 'cards':
        case 'busy':
          this.renderCards();
          this.renderOrders();
          break;
        case 'orders':
          this.renderOrders();
          break;
        case 'log':
          this.renderInspector();
          break;
      }
    });
  }

  /** Wires the static controls. */
  mount(): void {
    byId<HTMLSelectElement>('patient-select').addEventListener('change', (e) => {
      const id = (e.target as HTMLSelectElement).value;
      if (id) void this.ehr.openChart(id);
    });
    this.mountComposer();
    this.renderAll();
  }

  renderAll(): void {
    this.renderPicker();
    this.renderBanner();
    this.renderChart();
    this.renderOrders();
    this.renderCards();
    this.renderInspector();
  }

  // ---- patient picker and banner ------------------------------------------------------------

  private renderPicker(): void {
    const select = byId<HTMLSelectElement>('patient-select');
    const current = this.ehr.patientId ?? '';
    if (select.options.length !== this.ehr.patients.length + 1) {
      select.replaceChildren(
        h(
          'option',
          { value: '' },
          this.ehr.patients.length ? 'Choose a fixture patient…' : 'Loading patients…',
        ),
        ...this.ehr.patients.map((p) =>
          h('option', { value: p.id ?? '' }, `${patientName(p)} · ${p.id ?? ''}`),
        ),
      );
    }
    select.value = current;
  }

  private renderBanner(): void {
    const banner = byId('banner');
    const p = this.ehr.patient;
    const now = this.now();
    if (this.ehr.startupError) {
      banner.replaceChildren(h('p', { class: 'error', role: 'alert' }, this.ehr.startupError));
      return;
    }
    if (!p) {
      banner.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          `${this.ehr.patients.length} fixture patients from fhir-fixtures/ on the demo FHIR server. `,
          `Pick one: the simulator opens the chart and calls patient-view as an EHR would.`,
          this.ehr.session.jwt
            ? ' Every call to the service carries a JWT signed by the demo issuer (CDS_DEMO_ISSUER).'
            : '',
        ),
      );
      return;
    }
    banner.replaceChildren(
      h(
        'div',
        { class: 'patient', 'data-patient-id': p.id ?? '' },
        h('strong', { class: 'patient-name' }, patientName(p)),
        h(
          'span',
          {},
          [p.gender ?? '', p.birthDate ? `born ${p.birthDate} (${age(p.birthDate, now)})` : '']
            .filter(Boolean)
            .join(' · '),
        ),
        mrn(p) ? h('span', {}, `MRN ${mrn(p) ?? ''}`) : null,
        h('code', { class: 'muted' }, `Patient/${p.id ?? ''}`),
      ),
    );
  }

  private now(): Date {
    return this.ehr.facts ? new Date(this.ehr.facts.now) : new Date();
  }

  // ---- chart ---------------------------------------------------------------------------------

  private renderChart(): void {
    const body = byId('chart-body');
    const p = this.ehr.patient;
    if (!p) {
      body.replaceChildren(h('p', { class: 'muted' }, 'Choose a patient to open the chart.'));
      return;
    }
    const f = this.ehr.facts;
    const now = this.now();
    const parts: Node[] = [];
    parts.push(
      h(
        'p',
        { class: 'muted small' },
        'What the service sees: the facts its own code derives from the last hook request (prefetch and draft orders), computed by the server at ',
        f ? day(f.now) : '…',
        '.',
      ),
    );
    if (this.ehr.factsError)
      parts.push(h('p', { class: 'error' }, `Facts unavailable: ${this.ehr.factsError}`));
    if (f) {
      if (f.missing.length)
        parts.push(
          h(
            'div',
            { class: 'error' },
            h('strong', {}, 'Required data missing (the service answers 412): '),
            f.missing.join('; '),
          ),
        );
      parts.push(this.conditions(f));
      parts.push(this.labs(f, now));
      parts.push(this.medications('Current RLS-relevant therapy', f.currentTherapy, 'facts-current', now));
      if (f.medicationHistory.length)
        parts.push(
          this.medications('Medication history (not current)', f.medicationHistory, 'facts-history', now),
        );
      if (f.irlsScores.length)
        parts.push(
          h(
            'div',
            { class: 'facts-block' },
            h('h3', {}, 'IRLS scores'),
            h(
              'ul',
              {},
              f.irlsScores.map((s) =>
                h('li', {}, `${num(s.value)} / 40 on ${day(s.effective)} (${ago(s.effective, now)})`),
              ),
            ),
          ),
        );
      if (f.unavailable.length)
        parts.push(
          h(
            'div',
            { class: 'facts-block' },
            h('h3', {}, 'Not available to the service'),
            h(
              'ul',
              {},
              f.unavailable.map((u) => h('li', {}, u)),
            ),
          ),
        );
    } else if (!this.ehr.factsError) parts.push(h('p', { class: 'muted' }, 'Loading…'));
    parts.push(this.problemList(this.ehr.problems));
    body.replaceChildren(...parts);
  }

  private conditions(f: FactsView): HTMLElement {
    return h(
      'div',
      { class: 'facts-block', 'data-facts': 'conditions' },
      h('h3', {}, 'Conditions the rules look for'),
      f.conditions.length
        ? h(
            'ul',
            {},
            f.conditions.map((c) =>
              h(
                'li',
                {},
                h('strong', {}, c.label),
                `: ${c.display}`,
                c.code ? h('code', { class: 'muted' }, ` ${c.code}`) : null,
                c.date ? ` · since ${day(c.date)}` : '',
                c.matchedByText ? h('em', { class: 'muted' }, ' (matched by text)') : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'None.'),
      f.absentConditions.length
        ? h('p', { class: 'muted small' }, `Not present: ${f.absentConditions.join(', ')}.`)
        : null,
    );
  }

  private lab(name: string, finding: LabFindingView, now: Date): HTMLElement {
    const v = finding.latest ?? finding.stale;
    return h(
      'tr',
      { 'data-lab': name },
      h('th', { scope: 'row' }, name),
      h('td', { class: 'value' }, v ? `${num(v.value)} ${v.unit}` : 'none'),
      h(
        'td',
        {},
        v ? `${day(v.effective)} (${ago(v.effective, now)})` : 'no usable result',
        finding.stale ? h('span', { class: 'tag tag-warn' }, 'older than 12 months') : null,
        v?.reportedAs ? h('div', { class: 'muted small' }, `reported as ${v.reportedAs}`) : null,
        v?.computedFrom
          ? h(
              'div',
              { class: 'muted small' },
              `computed from iron ${v.computedFrom.iron} and TIBC ${v.computedFrom.tibc}`,
            )
          : null,
        finding.ignored.length
          ? h('div', { class: 'muted small' }, `not used: ${finding.ignored.join('; ')}`)
          : null,
      ),
    );
  }

  private labs(f: FactsView, now: Date): HTMLElement {
    return h(
      'div',
      { class: 'facts-block', 'data-facts': 'labs' },
      h('h3', {}, 'Latest iron studies'),
      h(
        'table',
        { class: 'facts-table' },
        h('tbody', {}, this.lab('Ferritin', f.ferritin, now), this.lab('TSAT', f.tsat, now)),
      ),
    );
  }

  private dose(m: MedicationView): Node {
    return m.dose.known
      ? h(
          'span',
          { class: 'dose' },
          `${num(m.dose.mgPerDay)} mg/day`,
          h('span', { class: 'muted small' }, ` (${m.dose.how})`),
        )
      : h('span', { class: 'muted' }, `dose unknown: ${m.dose.reason}`);
  }

  private medications(title: string, meds: readonly MedicationView[], key: string, now: Date): HTMLElement {
    return h(
      'div',
      { class: 'facts-block', 'data-facts': key },
      h('h3', {}, title),
      meds.length
        ? h(
            'ul',
            { class: 'meds' },
            meds.map((m) =>
              h(
                'li',
                { 'data-reference': m.reference },
                h('strong', {}, m.display),
                h('span', { class: 'tag' }, m.ingredient),
                m.status !== 'active' ? h('span', { class: 'tag' }, m.status) : null,
                h(
                  'div',
                  {},
                  this.dose(m),
                  m.start
                    ? h('span', { class: 'muted small' }, ` · since ${day(m.start)} (${ago(m.start, now)})`)
                    : null,
                ),
                m.stillCurrent ? h('div', { class: 'muted small' }, m.stillCurrent) : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'None.'),
    );
  }

  private problemList(problems: readonly Condition[]): HTMLElement {
    return h(
      'details',
      { class: 'facts-block' },
      h('summary', {}, `Problem list on the FHIR server (${problems.length})`),
      h(
        'ul',
        {},
        problems.map((c) =>
          h(
            'li',
            {},
            conceptText(c.code),
            h(
              'span',
              { class: 'muted small' },
              ` · ${conceptText(c.clinicalStatus) || 'no status'}, ${conceptText(c.verificationStatus) || 'unverified'}`,
            ),
          ),
        ),
      ),
    );
  }

  // ---- orders --------------------------------------------------------------------------------

  private mountComposer(): void {
    const form = byId<HTMLFormElement>('composer');
    const drug = byId<HTMLSelectElement>('order-drug');
    const product = byId<HTMLSelectElement>('order-product');
    const dose = byId<HTMLInputElement>('order-dose');
    byId<HTMLSelectElement>('order-frequency').replaceChildren(
      ...FREQUENCIES.map((f) => h('option', { value: f.code }, `${f.label} (${f.code})`)),
    );
    byId<HTMLSelectElement>('order-indication').replaceChildren(
      ...INDICATIONS.map((i) => h('option', { value: i.id }, i.label)),
    );
    drug.addEventListener('change', () => this.fillProducts());
    product.addEventListener('change', () => {
      const p = this.orderable()?.products.find((x) => x.rxcui === product.value);
      if (p && p.basis !== 'per-mL') dose.value = num(p.mg);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const orderable = this.orderable();
      const frequency = FREQUENCIES.find((f) => f.code === byId<HTMLSelectElement>('order-frequency').value);
      const doseMg = Number(dose.value);
      if (!orderable || !frequency || !(doseMg > 0)) return;
      void this.ehr.selectOrder({
        orderable,
        ...(product.value ? { productRxcui: product.value } : {}),
        doseMg,
        frequency,
        indicationId: byId<HTMLSelectElement>('order-indication').value,
      });
    });
  }

  private orderable(): OrderableView | undefined {
    const id = byId<HTMLSelectElement>('order-drug').value;
    return this.ehr.orderables.find((o) => o.id === id);
  }

  private fillDrugs(): void {
    const drug = byId<HTMLSelectElement>('order-drug');
    if (drug.options.length === this.ehr.orderables.length) return;
    const groups = new Map<string, OrderableView[]>();
    for (const o of this.ehr.orderables) groups.set(o.group, [...(groups.get(o.group) ?? []), o]);
    drug.replaceChildren(
      ...[...groups].map(([group, list]) =>
        h(
          'optgroup',
          { label: group },
          list.map((o) => h('option', { value: o.id }, o.display)),
        ),
      ),
    );
    this.fillProducts();
  }

  private fillProducts(): void {
    const o = this.orderable();
    const product = byId<HTMLSelectElement>('order-product');
    product.replaceChildren(
      ...(o?.products ?? []).map((p) => h('option', { value: p.rxcui }, p.display)),
      h('option', { value: '' }, `${o?.display ?? 'ingredient'} (RxNorm ${o?.rxcui ?? ''}), dose in mg`),
    );
    const first = o?.products[0];
    byId<HTMLInputElement>('order-dose').value = first && first.basis !== 'per-mL' ? num(first.mg) : '';
  }

  private renderOrders(): void {
    this.fillDrugs();
    const hasPatient = !!this.ehr.patient;
    for (const id of [
      'order-drug',
      'order-product',
      'order-dose',
      'order-frequency',
      'order-indication',
      'order-select',
    ])
      byId<HTMLInputElement>(id).disabled = !hasPatient;
    const body = byId('orders-body');
    if (!hasPatient) {
      body.replaceChildren(h('p', { class: 'muted' }, 'Open a chart to write orders.'));
      return;
    }
    const draftFacts = new Map((this.ehr.facts?.draftOrders ?? []).map((m) => [m.reference, m]));
    const signing = this.ehr.busy.has('order-sign');
    const signCards = this.ehr.results['order-sign']?.cards.length ?? 0;
    body.replaceChildren(
      h('h3', {}, `Draft orders (${this.ehr.drafts.length})`),
      this.ehr.drafts.length
        ? h(
            'ul',
            { class: 'drafts', id: 'draft-list' },
            this.ehr.drafts.map((d) => this.draft(d, draftFacts.get(referenceOf(d.resource)))),
          )
        : h(
            'p',
            { class: 'muted', id: 'draft-list' },
            'No draft orders. Compose one above: selecting it calls order-select.',
          ),
      h(
        'div',
        { class: 'sign-row' },
        h(
          'button',
          {
            id: 'sign-orders',
            class: 'primary',
            type: 'button',
            disabled: this.ehr.drafts.length === 0 || signing,
            onclick: () => void this.ehr.sign(),
          },
          signing ? 'Signing…' : 'Sign orders',
        ),
        this.ehr.signPending
          ? h(
              'span',
              { class: 'sign-pending' },
              `order-sign returned ${signCards} card${signCards === 1 ? '' : 's'}: review them, then `,
              h(
                'button',
                { id: 'complete-signing', type: 'button', onclick: () => this.ehr.completeSigning() },
                'Complete signing',
              ),
            )
          : null,
      ),
      h(
        'div',
        { hidden: this.ehr.signed.length === 0 },
        h('h3', {}, `Signed this session (${this.ehr.signed.length})`),
        h('p', { class: 'muted small' }, 'Kept in the simulator only; the demo FHIR server is read-only.'),
        h(
          'ul',
          { class: 'drafts signed' },
          this.ehr.signed.map((r) => h('li', { 'data-signed-id': r.id ?? '' }, describeResource(r))),
        ),
      ),
    );
  }

  private draft(d: Draft, fact: MedicationView | undefined): HTMLElement {
    return h(
      'li',
      { 'data-draft-id': d.resource.id, class: 'draft' },
      h(
        'div',
        { class: 'draft-text' },
        h('strong', {}, describeResource(d.resource)),
        d.origin === 'suggestion' ? h('span', { class: 'tag' }, 'from a card') : null,
      ),
      fact ? h('div', { class: 'small' }, this.dose(fact)) : null,
      h(
        'div',
        { class: 'draft-buttons' },
        d.resource.resourceType === 'MedicationRequest'
          ? h('button', { type: 'button', onclick: () => void this.ehr.reselect(d.resource.id) }, 'Select')
          : null,
        h(
          'button',
          { type: 'button', class: 'remove', onclick: () => this.ehr.removeDraft(d.resource.id) },
          'Remove',
        ),
      ),
    );
  }

  // ---- cards ---------------------------------------------------------------------------------

  private renderCards(): void {
    const body = byId('cds-body');
    if (!this.ehr.patient) {
      body.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          'Cards from the service appear here, grouped by the hook that returned them.',
        ),
        h(
          'div',
          { class: 'legend' },
          (['critical', 'warning', 'info'] as const).map((i) =>
            h('span', { class: `badge badge-${i}` }, INDICATOR_LABEL[i]),
          ),
        ),
      );
      return;
    }
    body.replaceChildren(...HOOKS.map((hook) => this.hookSection(hook)));
    // A new answer to an order hook is brought into sight, as an EHR pops its cards up.
    if (this.answersSeen !== this.ehr.answers) {
      this.answersSeen = this.ehr.answers;
      const hook = this.ehr.lastAnswered;
      const section = body.querySelector<HTMLElement>(`section[data-hook="${hook ?? ''}"]`);
      if (section && hook !== 'patient-view' && this.ehr.results[hook ?? 'patient-view']?.cards.length) {
        const panel = byId('cds');
        // Wide layout: the card panel scrolls by itself; narrow: the page scrolls to the cards.
        if (getComputedStyle(panel).overflowY === 'auto') panel.scrollTop = section.offsetTop - 8;
        else section.scrollIntoView({ block: 'start' });
      }
    }
  }

  private hookSection(hook: HookName): HTMLElement {
    const result = this.ehr.results[hook];
    const busy = this.ehr.busy.has(hook);
    let status: string;
    if (busy) status = 'calling…';
    else if (!result) status = hook === 'patient-view' ? '' : 'not called yet';
    else if (result.error) status = result.error;
    else status = `${result.cards.length} card${result.cards.length === 1 ? '' : 's'} · ${ms(result.ms)}`;
    return h(
      'section',
      {
        class: 'hook',
        'data-hook': hook,
        'data-busy': busy ? 'true' : 'false',
        'data-status': result ? String(result.status) : '',
      },
      h(
        'h3',
        {},
        HOOK_TITLES[hook],
        ' ',
        h('code', {}, hook),
        ' ',
        h('span', { class: result?.error ? 'error small' : 'muted small' }, status),
      ),
      result && !result.error && result.cards.length === 0 && !busy
        ? h('p', { class: 'muted small' }, 'No cards.')
        : null,
      (result?.cards ?? []).map((card, i) => this.card(hook, card, i)),
      result && result.suppressed.length > 0 && !busy ? this.suppressedNotice(hook, result.suppressed) : null,
    );
  }

  /** "1 card suppressed (overridden on DATE: reason)" under the cards, with "Show anyway". */
  private suppressedNotice(hook: HookName, notes: readonly SuppressedNote[]): HTMLElement {
    const count = `${notes.length} card${notes.length === 1 ? '' : 's'} suppressed`;
    const first = notes[0];
    return h(
      'div',
      { class: 'suppressed', 'data-suppressed-count': notes.length },
      notes.length === 1 && first
        ? h('p', { class: 'suppressed-text' }, `${count} (${suppressedWhy(first)})`)
        : h(
            'div',
            { class: 'suppressed-text' },
            h('p', {}, count),
            h(
              'ul',
              {},
              notes.map((n) => h('li', { 'data-rule': n.ruleId }, `${n.ruleId} (${suppressedWhy(n)})`)),
            ),
          ),
      h(
        'button',
        {
          type: 'button',
          class: 'show-anyway',
          title: 'Ask the service again for this hook, with suppression off for this one call',
          onclick: () => void this.ehr.showAnyway(hook),
        },
        'Show anyway',
      ),
    );
  }

  private card(hook: HookName, card: Card, index: number): HTMLElement {
    const key = Ehr.cardKey(hook, card, index);
    const outcome = this.ehr.outcomes.get(key);
    const detail = h('div', { class: 'detail md' });
    if (card.detail) detail.append(sanitizedFragment(markdownToHtml(card.detail)));
    const sourceUrl = card.source.url ? safeUrl(card.source.url) : undefined;
    const el = h(
      'article',
      {
        class: `card card-${card.indicator}${outcome ? ' card-done' : ''}`,
        'data-card-code': card.source.topic?.code ?? '',
        'data-indicator': card.indicator,
        'data-card-uuid': card.uuid ?? '',
      },
      h(
        'header',
        {},
        h('span', { class: `badge badge-${card.indicator}` }, INDICATOR_LABEL[card.indicator]),
        h('h4', { class: 'summary' }, card.summary),
      ),
      card.detail
        ? h(
            'details',
            {
              class: 'detail-wrap',
              open: this.openDetails.has(key),
              ontoggle: (event: Event) => {
                if ((event.currentTarget as HTMLDetailsElement).open) this.openDetails.add(key);
                else this.openDetails.delete(key);
              },
            },
            h(
              'summary',
              { class: 'small muted' },
              "Details: why, this patient's data, how values were derived",
            ),
            detail,
          )
        : null,
      h(
        'p',
        { class: 'source small' },
        'Source: ',
        sourceUrl
          ? h('a', { href: sourceUrl, target: '_blank', rel: 'noopener noreferrer' }, card.source.label)
          : card.source.label,
        card.source.topic
          ? h('span', { class: 'muted' }, ' · rule ', h('code', {}, card.source.topic.code))
          : null,
      ),
      card.links.length
        ? h(
            'ul',
            { class: 'links small' },
            card.links.map((l) => {
              const url = safeUrl(l.url);
              if (l.type === 'smart') return h('li', {}, `${l.label} (SMART app: launch not simulated)`);
              return h(
                'li',
                {},
                url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, l.label) : l.label,
              );
            }),
          )
        : null,
      card.suggestions.length
        ? h(
            'div',
            { class: 'suggestions' },
            card.suggestions.map((s) => this.suggestion(hook, card, index, s, !!outcome)),
          )
        : null,
      outcome ? this.outcome(outcome) : this.overrideControls(hook, card, index),
    );
    return el;
  }

  private suggestion(hook: HookName, card: Card, index: number, s: Suggestion, done: boolean): HTMLElement {
    return h(
      'div',
      { class: 'suggestion', 'data-suggestion-uuid': s.uuid ?? '' },
      h(
        'div',
        { class: 'suggestion-label' },
        h('strong', {}, s.label),
        s.isRecommended ? h('span', { class: 'tag tag-ok' }, 'recommended') : null,
      ),
      h(
        'ul',
        { class: 'actions small' },
        s.actions.map((a) =>
          h(
            'li',
            {},
            h('span', { class: `action action-${a.type}` }, a.type),
            ' ',
            a.description,
            a.resource
              ? h('div', { class: 'muted' }, `${a.resource.resourceType}: ${describeResource(a.resource)}`)
              : null,
            a.resourceId ? h('div', {}, h('code', {}, a.resourceId)) : null,
          ),
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'accept primary',
          disabled: done,
          onclick: () => void this.ehr.accept(hook, card, index, s),
        },
        'Accept',
      ),
    );
  }

  private overrideControls(hook: HookName, card: Card, index: number): HTMLElement {
    const form = h('form', { class: 'override-form', hidden: true });
    const reason = h(
      'select',
      {
        class: 'override-reason',
        'aria-label': 'Override reason',
        required: card.overrideReasons.length > 0,
      },
      h(
        'option',
        { value: '' },
        card.overrideReasons.length ? 'Choose a reason…' : 'The card offers no reasons',
      ),
      card.overrideReasons.map((r) => h('option', { value: r.code }, r.display ?? r.code)),
    );
    const comment = h('input', {
      class: 'override-comment',
      type: 'text',
      placeholder: 'Comment (optional)',
      'aria-label': 'Override comment',
    });
    form.append(
      h('label', {}, h('span', {}, 'Reason'), reason),
      h('label', {}, h('span', {}, 'Comment'), comment),
      h(
        'div',
        { class: 'override-buttons' },
        h('button', { type: 'submit', class: 'confirm-override' }, 'Confirm override'),
        h('button', { type: 'button', onclick: () => (form.hidden = true) }, 'Cancel'),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen: Coding | undefined = card.overrideReasons.find((r) => r.code === reason.value);
      if (card.overrideReasons.length && !chosen) return;
      void this.ehr.override(hook, card, index, chosen, comment.value);
    });
    return h(
      'footer',
      { class: 'card-footer' },
      h(
        'button',
        {
          type: 'button',
          class: 'override',
          onclick: () => {
            form.hidden = !form.hidden;
          },
        },
        'Override…',
      ),
      form,
    );
  }

  private outcome(o: NonNullable<ReturnType<Ehr['outcomes']['get']>>): HTMLElement {
    const fb = o.feedback;
    let feedback: string;
    if (fb === 'sending') feedback = 'sending feedback…';
    else if (fb.status === 200) {
      const body = (() => {
        try {
          return JSON.parse(fb.text) as { received?: number; recorded?: number };
        } catch {
          return {};
        }
      })();
      feedback = `feedback recorded (HTTP 200, received ${body.received ?? '?'}, recorded ${body.recorded ?? '?'})`;
    } else feedback = `feedback failed: ${fb.status ? `HTTP ${fb.status}: ` : ''}${fb.text}`;
    return h(
      'div',
      {
        class: `outcome outcome-${o.kind}`,
        'data-outcome': o.kind,
        'data-feedback-status': fb === 'sending' ? 'sending' : String(fb.status),
      },
      h('strong', {}, o.kind === 'accepted' ? 'Accepted: ' : 'Overridden: '),
      o.text,
      o.applied.length
        ? h(
            'ul',
            { class: 'small' },
            o.applied.map((a) => h('li', {}, a)),
          )
        : null,
      h('div', { class: 'small feedback' }, feedback),
    );
  }

  // ---- inspector -----------------------------------------------------------------------------

  private renderInspector(): void {
    const body = byId('inspector-body');
    if (this.ehr.log.length === 0) {
      body.replaceChildren(h('p', { class: 'muted' }, 'No calls yet.'));
      return;
    }
    const existing = new Set(
      [...body.querySelectorAll<HTMLElement>('[data-exchange-id]')].map((e) => e.dataset.exchangeId),
    );
    // Prepend only the new entries, so open entries stay open.
    const fresh = this.ehr.log.filter((x) => !existing.has(String(x.id)));
    if (existing.size === 0) body.replaceChildren();
    body.prepend(...fresh.map((x) => this.exchange(x)));
  }

  private exchange(x: Exchange): HTMLElement {
    const ok = x.status >= 200 && x.status < 300;
    const content = h('div', { class: 'exchange-body' });
    const el = h(
      'details',
      {
        class: 'exchange',
        'data-exchange-id': x.id,
        'data-kind': x.kind,
        'data-label': x.label,
        'data-status': x.status,
      },
      h(
        'summary',
        {},
        h('span', { class: `kind kind-${x.kind}` }, x.label),
        h('code', { class: 'url' }, `${x.method} ${x.url}`),
        h('span', { class: ok ? 'status ok' : 'status bad' }, x.status ? String(x.status) : 'failed'),
        h('span', { class: 'time', 'data-ms': x.ms.toFixed(1) }, ms(x.ms)),
        x.prefetch
          ? h(
              'span',
              { class: 'muted small' },
              `+ prefetch ${x.prefetch.length} queries, ${ms(x.prefetchMs ?? 0)}`,
            )
          : null,
        h('span', { class: 'muted small clock' }, x.started.toLocaleTimeString()),
      ),
      content,
    );
    el.addEventListener('toggle', () => {
      if (!el.open || content.childElementCount) return;
      content.append(
        h('h4', {}, 'Request'),
        h(
          'pre',
          { class: 'json request-headers' },
          Object.entries(x.requestHeaders)
            .map(([k, v]) => `${k}: ${k.toLowerCase() === 'authorization' ? `${v.slice(0, 16)}…` : v}`)
            .join('\n'),
        ),
        x.requestBody !== undefined
          ? h('pre', { class: 'json request-body' }, x.requestBody)
          : h('p', { class: 'muted small' }, '(no body)'),
        h(
          'h4',
          {},
          `Response: ${x.status || 'no answer'} in ${ms(x.ms)} (${x.responseText.length} bytes, shown indented)`,
        ),
        h('pre', { class: 'json response-body' }, pretty(x.responseText)),
        h(
          'div',
          { hidden: !x.prefetch?.length },
          h('h4', {}, `Prefetch: ${x.prefetch?.length ?? 0} FHIR queries in ${ms(x.prefetchMs ?? 0)}`),
          h(
            'ul',
            { class: 'prefetch small' },
            (x.prefetch ?? []).map((q) =>
              h('li', {}, h('code', {}, `${q.method} ${q.url}`), ` → ${q.status} · ${ms(q.ms)}`),
            ),
          ),
        ),
      );
    });
    return el;
  }
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
