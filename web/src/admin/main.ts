/**
 * The governance dashboard: asks `GET /admin/governance` with the admin
 * token as a bearer token and draws, per rule, what its cards did (issued,
 * accepted, overridden by reason, held back) over the weeks of a date range.
 *
 * The token lives in one variable of this script, for this tab only: never
 * in localStorage, sessionStorage, a cookie or the URL. Reloading forgets it.
 */
import type { Counts, GovernanceReport, RuleReport } from '../../../src/admin/governance.js';
import { byId, h } from '../dom.js';
import { barChart, weeklyChart } from './charts.js';

const MEASURES = ['issued', 'accepted', 'overridden', 'suppressed'] as const;

let token: string | undefined;

const status = (text: string, error = false): void => {
  const el = byId('status');
  el.textContent = text;
  el.classList.toggle('error', error);
};

function showLogin(message?: string): void {
  token = undefined;
  byId('report').hidden = true;
  byId('login').hidden = false;
  byId<HTMLInputElement>('token').value = '';
  if (message) status(message, true);
  byId<HTMLInputElement>('token').focus();
}

/** GET an admin URL with the token; undefined (and the login form again) on 401. */
async function adminGet(path: string): Promise<Response | undefined> {
  if (!token) {
    showLogin();
    return undefined;
  }
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (res.status === 401) {
    showLogin('The admin token was not accepted.');
    byId('login').dataset.refused = 'true';
    return undefined;
  }
  return res;
}

const rangeQuery = (): string => {
  const from = byId<HTMLInputElement>('from').value;
  const to = byId<HTMLInputElement>('to').value;
  return new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
};

const pct = (part: number, whole: number): string =>
  whole > 0 ? `${Math.round((part / whole) * 100)} %` : '–';

function reasonLabel(report: GovernanceReport, ruleId: string, code: string): string {
  if (code === '(none)') return 'no reason given';
  return report.reasonDisplays[ruleId]?.[code] ?? code;
}

function totalsRow(rule: RuleReport): HTMLTableRowElement {
  const t: Counts = rule.totals;
  return h(
    'tr',
    { 'data-rule': rule.ruleId },
    h('th', { scope: 'row' }, rule.ruleId),
    ...MEASURES.map((m) => h('td', { class: 'num', 'data-measure': m }, t[m])),
    h('td', { class: 'num', 'data-measure': 'override-rate' }, pct(t.overridden, t.issued)),
  );
}

function ruleSection(report: GovernanceReport, rule: RuleReport): HTMLElement {
  const reasons = Object.entries(rule.totals.overrideReasons).sort((a, b) => b[1] - a[1]);
  return h(
    'section',
    { class: 'rule', 'data-rule': rule.ruleId },
    h('h3', {}, rule.ruleId),
    h(
      'div',
      { class: 'legend' },
      ...MEASURES.map((m) => h('span', {}, h('span', { class: `swatch ${m}` }), m)),
    ),
    h(
      'div',
      { class: 'charts' },
      weeklyChart(
        `${rule.ruleId}: cards per week`,
        report.weeks,
        MEASURES.map((measure) => ({ measure, values: rule.weeks.map((w) => w[measure]) })),
      ),
      reasons.length > 0
        ? barChart(
            `${rule.ruleId}: overrides by reason`,
            reasons.map(([code, value]) => ({
              key: code,
              label: reasonLabel(report, rule.ruleId, code),
              value,
            })),
            'overridden',
          )
        : h('p', { class: 'hint' }, 'No overrides in this range.'),
    ),
  );
}

function render(report: GovernanceReport): void {
  const overview = byId('overview');
  const rules = byId('rules');
  overview.replaceChildren();
  rules.replaceChildren();
  byId('report').dataset.from = report.from;
  byId('report').dataset.to = report.to;
  if (report.rules.length === 0) {
    status(`No cards between ${report.from} and ${report.to}.`);
    return;
  }
  status(`Cards issued from ${report.from} to ${report.to} (weeks start on Monday, UTC).`);
  overview.append(
    h('h2', {}, 'Which rules are overridden most'),
    barChart(
      'Overridden cards per rule',
      report.rules.map((r) => ({ key: r.ruleId, label: r.ruleId, value: r.totals.overridden })),
      'overridden',
    ),
    h(
      'table',
      { id: 'totals' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'rule'),
          ...MEASURES.map((m) => h('th', { class: 'num' }, m)),
          h('th', { class: 'num' }, 'override rate'),
        ),
      ),
      h('tbody', {}, ...report.rules.map(totalsRow)),
    ),
  );
  rules.append(h('h2', {}, 'Per rule, week by week'), ...report.rules.map((r) => ruleSection(report, r)));
}

async function load(): Promise<void> {
  status('Loading…');
  const res = await adminGet(`./governance?${rangeQuery()}`);
  if (!res) return;
  const body = (await res.json()) as GovernanceReport | { issue?: { diagnostics?: string }[] };
  if (!res.ok) {
    status(
      ('issue' in body && body.issue?.[0]?.diagnostics) || `The report failed (HTTP ${res.status}).`,
      true,
    );
    return;
  }
  const report = body as GovernanceReport;
  byId<HTMLInputElement>('from').value = report.from;
  byId<HTMLInputElement>('to').value = report.to;
  render(report);
  byId('report').dataset.loaded = String(Date.now());
}

async function exportCsv(): Promise<void> {
  const res = await adminGet(`./governance.csv?${rangeQuery()}`);
  if (!res) return;
  if (!res.ok) {
    status(`The export failed (HTTP ${res.status}).`, true);
    return;
  }
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'governance.csv';
  const url = URL.createObjectURL(await res.blob());
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function start(): void {
  byId('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = byId<HTMLInputElement>('token').value.trim();
    if (!value) return;
    token = value;
    byId<HTMLInputElement>('token').value = '';
    byId('login').hidden = true;
    byId('report').hidden = false;
    void load();
  });
  byId('range').addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  byId('export').addEventListener('click', () => void exportCsv());
  byId('logout').addEventListener('click', () => showLogin());
}

start();
