/**
 * The EHR simulator in a real browser: Debian's Chromium (/usr/bin/chromium,
 * installed by .ci/run, never downloaded) driven by playwright-core against
 * the app on a loopback port. Screenshots of every step, at 1280×800 and at a
 * 400 px side-panel width, go to test-artifacts/browser/ (git-ignored).
 *
 * One run has authentication on (a clients file) and the demo issuer on: the
 * page signs its calls with the demo issuer's JWTs.
 *
 * Without Chromium the suite is skipped on a developer machine and fails in
 * CI (CI=true), so a missing browser can never pass silently there.
 */
import {
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  browserSuitesRun,
  confinePage,
  loopbackServer,
} from '../helpers/browser.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { type Browser, type Locator, type Page, type Response, chromium } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { discoveryEntry, findService } from '../../src/cds-hooks/services.js';
import { createDemoIssuer } from '../../src/demo/issuer.js';
import { NOW, fixtureStore, testApp } from '../helpers/app.js';
import { jwksOf, newSigner, writeClientsFile } from '../security/helpers.js';

const TIMEOUT = 60_000;
/** Opens the admin routes, whose feedback summary shows what the feedback store holds. */
const ADMIN_TOKEN = 'simulator-test-admin-token';

const WIDE = { width: 1280, height: 800 };

/** A row of GET /admin/feedback-summary. */
interface StoredRule {
  ruleId: string;
  accepted: number;
  overridden: number;
  overrideReasons: { code: string | null; count: number }[];
}

/** One attribute of every element a locator matches. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((l) => l.getAttribute(name)));
}
const NARROW = { width: 400, height: 800 };

const BROWSER_RUNS = browserSuitesRun('browser tests');
const suite = BROWSER_RUNS ? describe : describe.skip;

suite('EHR simulator in headless Chromium', () => {
  let server: Server;
  let base: string;
  /** A second app with authentication (clients file) and the demo issuer on. */
  let authServer: Server;
  let authBase: string;
  let browser: Browser;
  let page: Page;
  let assets: string;
  /** Requests the page tried to send anywhere but the app (aborted). */
  let offHost: string[];
  /** Uncaught errors in the page. */
  let pageErrors: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    assets = mkdtempSync(join(tmpdir(), 'rls-sim-web-'));
    await buildWeb(assets);
    ({ server, base } = await loopbackServer());
    const env = { DEMO_FHIR: 'true', CDS_PUBLIC_URL: base, CDS_ADMIN_TOKEN: ADMIN_TOKEN };
    const app = testApp(env, fixtureStore(), NOW, {
      simulatorAssetsDir: assets,
    });
    server.on('request', app);

    ({ server: authServer, base: authBase } = await loopbackServer());
    const ehr = await newSigner('ES384');
    const clientsFile = writeClientsFile([
      { iss: 'https://ehr.hospital-a.example', jwks: jwksOf(ehr), fhirServers: [] },
    ]);
    const demoIssuer = await createDemoIssuer({ publicUrl: authBase, production: false });
    const authApp = testApp(
      { DEMO_FHIR: 'true', CDS_PUBLIC_URL: authBase, CDS_CLIENTS_FILE: clientsFile, CDS_DEMO_ISSUER: 'true' },
      fixtureStore(),
      NOW,
      { simulatorAssetsDir: assets, demoIssuer },
    );
    authServer.on('request', authApp);
    // playwright gives every launch a fresh temporary --user-data-dir.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await new Promise((resolve) => authServer?.close(resolve));
    if (assets) rmSync(assets, { recursive: true, force: true });
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: WIDE });
    // The network is restricted to the apps on loopback: anything else is aborted and recorded.
    ({ offHost, pageErrors } = await confinePage(page, [new URL(base).host, new URL(authBase).host]));
  });

  afterEach(async () => {
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  /** Screenshots of the current state: the 1280×800 viewport, then the whole page at 400 px. */
  async function shoot(name: string): Promise<void> {
    await page.setViewportSize(WIDE);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-1280x800.png`) });
    await page.setViewportSize(NARROW);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-400px.png`), fullPage: true });
    // Nothing may need horizontal scrolling in a 400 px side panel.
    const overflowing = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > ${NARROW.width} + 0.5)
      .map((el) => el.localName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : ''))`);
    expect(overflowing).toEqual([]);
    await page.setViewportSize(WIDE);
  }

  /** The feedback store's summary row of a rule, once it shows `until` (the card log is written asynchronously). */
  async function storedFeedback(ruleId: string, until: (row: StoredRule) => boolean): Promise<StoredRule> {
    let row: StoredRule | undefined;
    for (let i = 0; i < 40; i += 1) {
      const res = await fetch(`${base}/admin/feedback-summary`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { rules: StoredRule[] };
      row = body.rules.find((r) => r.ruleId === ruleId);
      if (row && until(row)) return row;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`feedback for ${ruleId} not stored: ${JSON.stringify(row)}`);
  }

  /** Opens the chart of a patient on the app at `at`; returns the patient-view response. */
  async function openChart(patientId: string, at: string = base): Promise<Response> {
    await page.goto(`${at}/`);
    await page.waitForSelector(`#patient-select option[value="${patientId}"]`, { state: 'attached' });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-patient-view')),
      page.selectOption('#patient-select', patientId),
    ]);
    expect(response.status()).toBe(200);
    await page.waitForSelector('section[data-hook="patient-view"][data-busy="false"]');
    await page.waitForSelector('[data-facts="labs"]');
    return response;
  }

  async function composeAndSelect(order: {
    drug: string;
    product: string;
    dose: string;
    frequency: string;
    indication?: string;
  }): Promise<void> {
    await page.selectOption('#order-drug', order.drug);
    await page.selectOption('#order-product', order.product);
    await page.fill('#order-dose', order.dose);
    await page.selectOption('#order-frequency', order.frequency);
    await page.selectOption('#order-indication', order.indication ?? 'rls');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-order-select')),
      page.click('#order-select'),
    ]);
    expect(response.status()).toBe(200);
    await page.waitForSelector('section[data-hook="order-select"][data-busy="false"]');
  }

  test('Chromium is installed (required in CI)', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  test(
    'the page loads and charts a patient with the network restricted to localhost',
    async () => {
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      const response = await page.goto(`${base}/`);
      expect(response?.url()).toBe(`${base}/demo/`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      // Every fixture patient is offered.
      const patients = [...fixtureStore().get('Patient')!.keys()].sort();
      await page.waitForSelector(`#patient-select option[value="${patients[0]}"]`, { state: 'attached' });
      const offered = await attributes(page.locator('#patient-select option'), 'value');
      expect(offered.filter(Boolean).sort()).toEqual(patients);
      await page.waitForSelector('[data-exchange-id][data-kind="discovery"][data-status="200"]');
      await shoot('01-start');
      // Charting a patient renders cards with external source links: none of them is fetched.
      await page.selectOption('#patient-select', 'rls-low-ferritin');
      await page.waitForSelector('[data-card-code="iron-not-optimized"]');
      expect(offHost).toEqual([]);
      expect(requested.length).toBeGreaterThan(5);
      for (const url of requested) expect(url.startsWith(`${base}/`) || url.startsWith('data:')).toBe(true);
    },
    TIMEOUT,
  );

  test(
    'low-ferritin patient: patient-view as an EHR sends it, the iron-not-optimized card, the inspector',
    async () => {
      await openChart('rls-low-ferritin');
      const card = page.locator('section[data-hook="patient-view"] [data-card-code="iron-not-optimized"]');
      await expect(card.getAttribute('data-indicator')).resolves.toBe('warning');
      await expect(card.locator('.summary').innerText()).resolves.toContain('ferritin 42 ng/mL');
      // Markdown detail rendered as HTML (bold, list), source with its link, the suggestion's action.
      expect(await card.locator('.detail strong').count()).toBeGreaterThan(0);
      expect(await card.locator('.detail li').count()).toBeGreaterThan(0);
      await expect(card.locator('.source a').getAttribute('href')).resolves.toMatch(/^https:\/\//);
      await expect(card.locator('.suggestion .action-create').count()).resolves.toBe(1);
      // The chart shows what the service sees.
      await expect(page.locator('[data-lab="Ferritin"]').innerText()).resolves.toContain('42 ng/mL');
      await expect(page.locator('[data-lab="TSAT"]').innerText()).resolves.toContain('18 %');
      await expect(page.locator('[data-facts="facts-current"]').innerText()).resolves.toContain(
        '0.25 mg/day',
      );

      // The inspector holds the exact request: discovery's prefetch templates, filled from the demo FHIR server.
      const entry = page.locator('[data-kind="hook"][data-label="patient-view"]').first();
      await expect(entry.getAttribute('data-status')).resolves.toBe('200');
      await expect(entry.locator('.time').innerText()).resolves.toMatch(/ms$/);
      await entry.locator('summary').click();
      const sent = JSON.parse(await entry.locator('pre.request-body').innerText()) as {
        hook: string;
        hookInstance: string;
        fhirServer: string;
        context: { patientId: string; userId: string };
        prefetch: Record<string, { resourceType: string } | null>;
      };
      expect(sent).toMatchObject({
        hook: 'patient-view',
        fhirServer: `${base}/demo/fhir`,
        context: { patientId: 'rls-low-ferritin', userId: 'Practitioner/demo-prescriber' },
      });
      expect(sent.hookInstance).toMatch(/^[0-9a-f-]{36}$/);
      const templates = discoveryEntry(findService('rls-patient-view')!).prefetch as Record<string, string>;
      expect(Object.keys(sent.prefetch).sort()).toEqual(Object.keys(templates).sort());
      expect(sent.prefetch.conditions?.resourceType).toBe('Bundle');
      expect(sent.prefetch.ironStudies?.resourceType).toBe('Bundle');
      expect(sent.prefetch.patient?.resourceType).toBe('Patient');
      const received = JSON.parse(await entry.locator('pre.response-body').innerText()) as {
        cards: unknown[];
      };
      expect(received.cards.length).toBeGreaterThan(0);
      await expect(entry.locator('.prefetch li').count()).resolves.toBe(Object.keys(sent.prefetch).length);
      await shoot('02-low-ferritin-iron-not-optimized');

      // Accepting the create suggestion puts the IV iron order among the drafts.
      const [feedback] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-patient-view/feedback')),
        card.locator('.suggestion button.accept').click(),
      ]);
      expect(feedback.status()).toBe(200);
      await expect(page.locator('#draft-list [data-draft-id]').innerText()).resolves.toContain(
        'ferric carboxymaltose',
      );
    },
    TIMEOUT,
  );

  test(
    'card details start collapsed, so every suggestion button shows without scrolling, at 1280×800 and in a 400 px panel',
    async () => {
      await openChart('rls-on-pramipexole-025');
      const cards = page.locator('section[data-hook="patient-view"] article.card');
      await cards.first().waitFor();
      const withSuggestions = page.locator('section[data-hook="patient-view"] article.card', {
        has: page.locator('.suggestion button.accept'),
      });
      expect(await withSuggestions.count()).toBeGreaterThan(0);
      for (const viewport of [WIDE, NARROW]) {
        await page.setViewportSize(viewport);
        for (const card of await withSuggestions.all()) {
          await expect(card.locator('details.detail-wrap').getAttribute('open')).resolves.toBeNull();
          // With the card's header at the top of the screen, its first suggestion button is on screen.
          await card.locator('header').evaluate("(el) => el.scrollIntoView({ block: 'start' })");
          const button = card.locator('.suggestion button.accept').first();
          const box = await button.boundingBox();
          expect(box).not.toBeNull();
          expect((box?.y ?? Infinity) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport.height);
          await expect(button.isVisible()).resolves.toBe(true);
        }
      }
      await page.setViewportSize(WIDE);
      // Opening the details shows the markdown, and it stays open when the cards are drawn again.
      const first = withSuggestions.first();
      await first.locator('details.detail-wrap > summary').click();
      await expect(first.locator('.detail').isVisible()).resolves.toBe(true);
      await expect(first.locator('.detail li').count()).resolves.toBeGreaterThan(0);
      await shoot('09-details-collapsed');
    },
    TIMEOUT,
  );

  test(
    'authentication and the demo issuer on: the page signs its calls and gets the iron-not-optimized card',
    async () => {
      // The service refuses calls without a token.
      expect((await fetch(`${authBase}/cds-services`)).status).toBe(401);
      const response = await openChart('rls-low-ferritin', authBase);
      const authorization = (await response.request().allHeaders()).authorization ?? '';
      expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const token = authorization.slice('Bearer '.length);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES384', typ: 'JWT' });
      expect(decodeJwt(token)).toMatchObject({
        iss: `${authBase}/demo/issuer`,
        aud: `${authBase}/cds-services/rls-patient-view`,
      });
      const card = page.locator('section[data-hook="patient-view"] [data-card-code="iron-not-optimized"]');
      await card.waitFor();
      // Discovery went through with its own token; the inspector shows the header the hook call carried.
      await page.waitForSelector('[data-exchange-id][data-kind="discovery"][data-status="200"]');
      const entry = page.locator('[data-kind="hook"][data-label="patient-view"]').first();
      await expect(entry.getAttribute('data-status')).resolves.toBe('200');
      await entry.locator('summary').click();
      await expect(entry.locator('pre.request-headers').innerText()).resolves.toMatch(
        /^Authorization: Bearer eyJ/m,
      );
      // Feedback is signed too (a token of its own, for the feedback URL).
      const [feedback] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-patient-view/feedback')),
        card.locator('.suggestion button.accept').click(),
      ]);
      expect(feedback.status()).toBe(200);
      const feedbackToken = ((await feedback.request().allHeaders()).authorization ?? '').slice(7);
      expect(decodeJwt(feedbackToken).aud).toBe(`${authBase}/cds-services/rls-patient-view/feedback`);
      // Each token is good once: the page's token cannot be replayed.
      const replay = await fetch(`${authBase}/cds-services/rls-patient-view`, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
        body: response.request().postData() ?? '',
      });
      expect(replay.status).toBe(401);
      expect(offHost).toEqual([]);
      await shoot('08-demo-issuer-signed-jwt');
    },
    TIMEOUT,
  );

  test(
    'pramipexole patient: a higher dose gives the critical dose-increase card; accepting removes the draft and posts feedback',
    async () => {
      await openChart('rls-low-ferritin');
      await composeAndSelect({ drug: 'pramipexole', product: '859044', dose: '0.5', frequency: 'QHS' });
      await expect(page.locator('#draft-list [data-draft-id="draft-1"]').count()).resolves.toBe(1);
      const card = page.locator(
        'section[data-hook="order-select"] [data-card-code="dopamine-agonist-dose-increase"]',
      );
      await card.waitFor();
      await expect(card.getAttribute('data-indicator')).resolves.toBe('critical');
      await expect(card.locator('.badge').innerText()).resolves.toMatch(/critical/i);
      await shoot('03-pramipexole-dose-increase');

      const remove = card.locator('.suggestion', { has: page.locator('.action-delete') });
      const cardUuid = await card.getAttribute('data-card-uuid');
      const suggestionUuid = await remove.getAttribute('data-suggestion-uuid');
      const [feedback] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-order-select/feedback')),
        remove.locator('button.accept').click(),
      ]);
      expect(feedback.status()).toBe(200);
      expect(await feedback.json()).toEqual({ received: 1, recorded: 1 });
      const body = feedback.request().postDataJSON() as { feedback: Record<string, unknown>[] };
      expect(body.feedback).toHaveLength(1);
      expect(body.feedback[0]).toMatchObject({
        card: cardUuid,
        outcome: 'accepted',
        acceptedSuggestions: [{ id: suggestionUuid }],
      });
      expect(Date.parse(body.feedback[0]?.outcomeTimestamp as string)).not.toBeNaN();
      // The draft is gone from the chart, and the card says the feedback was recorded.
      await expect(page.locator('#draft-list [data-draft-id="draft-1"]').count()).resolves.toBe(0);
      await page.waitForSelector(
        '[data-card-code="dopamine-agonist-dose-increase"] [data-outcome="accepted"][data-feedback-status="200"]',
      );
      // The feedback store holds it.
      await storedFeedback('dopamine-agonist-dose-increase', (r) => r.accepted === 1);
      await shoot('04-pramipexole-accepted');
    },
    TIMEOUT,
  );

  test(
    'cabergoline: the critical card, override with a reason, feedback recorded; Sign calls order-sign',
    async () => {
      await openChart('rls-good-iron');
      await composeAndSelect({ drug: 'cabergoline', product: '199703', dose: '0.5', frequency: 'QD' });
      const card = page.locator('section[data-hook="order-select"] [data-card-code="avoid-cabergoline"]');
      await card.waitFor();
      await expect(card.getAttribute('data-indicator')).resolves.toBe('critical');
      await card.locator('button.override').click();
      const reasons = await attributes(card.locator('select.override-reason option'), 'value');
      expect(reasons).toContain('specialist-directed');
      await card.locator('select.override-reason').selectOption('specialist-directed');
      await card.locator('input.override-comment').fill('Discussed with neurology');
      await shoot('05-cabergoline-override-form');
      const [feedback] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-order-select/feedback')),
        card.locator('button.confirm-override').click(),
      ]);
      expect(feedback.status()).toBe(200);
      expect(await feedback.json()).toEqual({ received: 1, recorded: 1 });
      const body = feedback.request().postDataJSON() as { feedback: Record<string, unknown>[] };
      expect(body.feedback[0]).toMatchObject({
        card: await card.getAttribute('data-card-uuid'),
        outcome: 'overridden',
        overrideReason: {
          reason: { system: `${base}/override-reasons`, code: 'specialist-directed' },
          userComment: 'Discussed with neurology',
        },
      });
      const recorded = card.locator('[data-outcome="overridden"][data-feedback-status="200"]');
      await recorded.waitFor();
      await expect(recorded.innerText()).resolves.toContain('Directed by the treating specialist');
      const stored = await storedFeedback('avoid-cabergoline', (r) => r.overridden === 1);
      expect(stored.overrideReasons).toEqual([{ code: 'specialist-directed', count: 1 }]);
      // The overridden draft stays; "Sign" sends it to order-sign. The critical card was just answered for this
      // draft in this session, so the service holds it back: signing completes, and the panel says what was held.
      await expect(page.locator('#draft-list [data-draft-id]').count()).resolves.toBe(1);
      const [sign] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-order-sign')),
        page.click('#sign-orders'),
      ]);
      expect(sign.status()).toBe(200);
      const signBody = sign.request().postDataJSON() as {
        hook: string;
        context: { draftOrders: { entry: unknown[] } };
        extension?: unknown;
      };
      expect(signBody.hook).toBe('order-sign');
      expect(signBody.context.draftOrders.entry).toHaveLength(1);
      expect(signBody.extension).toBeUndefined();
      const signAnswer = (await sign.json()) as {
        cards: unknown[];
        extension: Record<string, { count: number }>;
      };
      expect(signAnswer.cards).toEqual([]);
      expect(signAnswer.extension['rls-cds-hooks.suppression']?.count).toBe(1);
      const notice = page.locator('section[data-hook="order-sign"] .suppressed');
      await notice.waitFor();
      await expect(notice.locator('.suppressed-text').innerText()).resolves.toBe(
        '1 card suppressed (overridden on 2026-11-01: Directed by the treating specialist after discussion)',
      );
      await expect(page.locator('[data-signed-id]').count()).resolves.toBe(1);
      await expect(page.locator('#draft-list [data-draft-id]').count()).resolves.toBe(0);
      await shoot('06-cabergoline-overridden-and-sign-suppressed');
      // "Show anyway" asks again for the same orders with suppression off for that call.
      const [anyway] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cds-services/rls-order-sign')),
        notice.locator('button.show-anyway').click(),
      ]);
      expect((anyway.request().postDataJSON() as { extension?: unknown }).extension).toEqual({
        'rls-cds-hooks.suppression': { disable: true },
      });
      await page.waitForSelector('section[data-hook="order-sign"] [data-card-code="avoid-cabergoline"]');
      await expect(page.locator('section[data-hook="order-sign"] .suppressed').count()).resolves.toBe(0);
      await shoot('06b-cabergoline-shown-anyway');
    },
    TIMEOUT,
  );

  test(
    'card markdown cannot run script or load anything: raw HTML is shown as text',
    async () => {
      const hostile = {
        cards: [
          {
            uuid: '11111111-2222-4333-8444-555555555555',
            summary: 'Hostile card <b>not bold</b>',
            indicator: 'critical',
            detail: [
              "Text <img src=x onerror=\"window.__xss = 'img'\"> and <script>window.__xss = 'script'</script>",
              '',
              '<iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
              '',
              "[a link](javascript:window.__xss='link') and ![pixel](https://tracker.example/p.png)",
              '',
              '**still markdown**',
            ].join('\n'),
            source: { label: 'Test', url: 'javascript:window.__xss="source"' },
          },
        ],
      };
      await page.route('**/cds-services/rls-patient-view', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(hostile) }),
      );
      await openChart('rls-low-ferritin');
      const card = page.locator('[data-card-uuid="11111111-2222-4333-8444-555555555555"]');
      await card.waitFor();
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      expect(await card.locator('img, script, iframe').count()).toBe(0);
      const hrefs = await attributes(card.locator('a'), 'href');
      for (const href of hrefs) expect(href ?? '').not.toMatch(/^javascript:/i);
      // Details start collapsed: open them to read what the clinician would read.
      await card.locator('details.detail-wrap > summary').click();
      const text = await card.innerText();
      expect(text).toContain('<img src=x onerror=');
      expect(text).toContain('<script>');
      expect(text).toContain('<b>not bold</b>');
      expect(await card.locator('.detail strong').innerText()).toBe('still markdown');
      expect(offHost).toEqual([]);
      await shoot('07-hostile-markdown');
    },
    TIMEOUT,
  );
});
