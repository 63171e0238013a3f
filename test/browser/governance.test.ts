/**
 * The governance dashboard (/admin/) in headless Chromium (Debian's
 * /usr/bin/chromium, never downloaded): the admin token typed into the page
 * opens the report; every number the page draws (the totals table, the
 * overrides-per-rule bars, the weekly points and the reason bars) is the
 * number `GET /admin/governance` returns; the CSV export is the route's CSV;
 * and the token is kept nowhere but in the tab's memory.
 *
 * Skipped without Chromium on a developer machine, failing in CI (CI=true).
 */
import {
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  browserSuitesRun,
  confinePage,
  loopbackServer,
} from '../helpers/browser.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Browser, type Page, chromium } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import type { GovernanceReport } from '../../src/admin/governance.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createOperations } from '../../src/ops/operations.js';
import { memoryStore } from '../../src/store/open.js';
import { NOW, templates } from '../helpers/app.js';
import { EXPECTED, RANGE, seedGovernance } from '../ops/governance-data.js';

const TIMEOUT = 60_000;
const ADMIN_TOKEN = 'governance-dashboard-test-token-Zq81';

const BROWSER_RUNS = browserSuitesRun('browser tests');
const suite = BROWSER_RUNS ? describe : describe.skip;

suite('governance dashboard in headless Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let assets: string;
  let offHost: string[];
  let pageErrors: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    assets = mkdtempSync(join(tmpdir(), 'rls-admin-web-'));
    await buildWeb(assets);
    ({ server, base } = await loopbackServer());
    const config = loadConfig({ NODE_ENV: 'test', CDS_PUBLIC_URL: base, CDS_ADMIN_TOKEN: ADMIN_TOKEN });
    const logger = pino({ level: 'silent' });
    const store = memoryStore();
    await seedGovernance(store);
    const app = createApp({
      config,
      logger,
      templates,
      now: () => NOW,
      ops: createOperations({ logger, store }),
      simulatorAssetsDir: assets,
    });
    server.on('request', app);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (assets) rmSync(assets, { recursive: true, force: true });
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    ({ offHost, pageErrors } = await confinePage(page, [new URL(base).host], ['data:', 'blob:']));
  });

  afterEach(async () => {
    await page.close();
    expect(offHost).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  async function api(path: string): Promise<Response> {
    return fetch(`${base}/admin/${path}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  }

  async function openReport(): Promise<void> {
    await page.goto(`${base}/admin/`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#report:not([hidden])');
    await page.waitForSelector('#report[data-loaded]');
    await page.fill('#from', RANGE.from);
    await page.fill('#to', RANGE.to);
    await page.click('#load');
    // The default range starts earlier; the report element names the range it shows.
    await page.waitForSelector(`#report[data-from="${RANGE.from}"][data-to="${RANGE.to}"]`);
  }

  /** `key|measure` → number of every element a selector matches (its `data-value`, or its text). */
  async function numbers(
    selector: string,
    from: 'data-value' | 'text' = 'data-value',
  ): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const el of await page.locator(selector).all()) {
      const key = `${(await el.getAttribute('data-key')) ?? ''}${(await el.getAttribute('data-week')) ?? ''}`;
      const measure = (await el.getAttribute('data-measure')) ?? '';
      out[`${key}|${measure}`] = Number(
        from === 'text' ? await el.textContent() : await el.getAttribute(from),
      );
    }
    return out;
  }

  test(
    'the page draws the numbers the API returns: totals, overrides per rule, weekly points and reasons',
    async () => {
      await openReport();
      const report = (await (
        await api(`governance?from=${RANGE.from}&to=${RANGE.to}`)
      ).json()) as GovernanceReport;
      expect(report.rules).toEqual(EXPECTED.rules); // the API itself is right

      for (const rule of report.rules) {
        const row = await numbers(
          `#totals tr[data-rule="${rule.ruleId}"] td[data-measure]:not([data-measure="override-rate"])`,
          'text',
        );
        expect(row).toEqual({
          '|issued': rule.totals.issued,
          '|accepted': rule.totals.accepted,
          '|overridden': rule.totals.overridden,
          '|suppressed': rule.totals.suppressed,
        });
        const weekly = await numbers(
          `section.rule[data-rule="${rule.ruleId}"] svg[data-chart="weekly"] circle`,
        );
        const expected: Record<string, number> = {};
        for (const w of rule.weeks)
          for (const m of ['issued', 'accepted', 'overridden', 'suppressed'] as const)
            expected[`${w.week}|${m}`] = w[m];
        expect(weekly).toEqual(expected);
        const reasons = await numbers(
          `section.rule[data-rule="${rule.ruleId}"] svg[data-chart="overridden"] rect`,
        );
        expect(reasons).toEqual(
          Object.fromEntries(
            Object.entries(rule.totals.overrideReasons).map(([code, n]) => [`${code}|overridden`, n]),
          ),
        );
      }
      const overview = await numbers('#overview svg[data-chart="overridden"] rect');
      expect(overview).toEqual(
        Object.fromEntries(report.rules.map((r) => [`${r.ruleId}|overridden`, r.totals.overridden])),
      );
      // Reasons are shown with the card's own words.
      await page
        .locator('section.rule[data-rule="iron-not-optimized"] text', {
          hasText: 'IV iron given recently, recheck pending',
        })
        .first()
        .waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'governance-report.png'), fullPage: true });
    },
    TIMEOUT,
  );

  test(
    'the CSV export is the CSV the API returns for the range on screen',
    async () => {
      await openReport();
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
      expect(download.suggestedFilename()).toBe(`cds-governance-${RANGE.from}-to-${RANGE.to}.csv`);
      const path = await download.path();
      const fromApi = await (await api(`governance.csv?from=${RANGE.from}&to=${RANGE.to}`)).text();
      expect(readFileSync(path, 'utf8')).toBe(fromApi);
    },
    TIMEOUT,
  );

  test(
    'the token stays in memory: no storage, no cookie, not in the URL, and a reload asks again',
    async () => {
      await openReport();
      const kept = await page.evaluate<Record<string, unknown>>(`({
        local: localStorage.length,
        session: sessionStorage.length,
        cookie: document.cookie,
        url: location.href,
        field: document.querySelector('#token').value,
      })`);
      expect(kept).toEqual({ local: 0, session: 0, cookie: '', url: `${base}/admin/`, field: '' });
      await page.reload();
      expect(await page.isVisible('#login')).toBe(true);
      expect(await page.isHidden('#report')).toBe(true);
    },
    TIMEOUT,
  );

  test(
    'a wrong token is refused and the login form says so',
    async () => {
      await page.goto(`${base}/admin/`);
      await page.fill('#token', 'not-the-admin-token-at-all-000000');
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#login[data-refused="true"]:not([hidden])');
      expect(await page.textContent('#status')).toBe('The admin token was not accepted.');
      expect(await page.isHidden('#report')).toBe(true);
    },
    TIMEOUT,
  );
});
