/**
 * The official CDS Hooks Sandbox (a production build of cds-hooks/sandbox,
 * kept outside the project in ../shared/cds-hooks-sandbox) in headless
 * Chromium against the service as `npm start` runs it: the demo FHIR server
 * and nothing else. The sandbox is served as static files on loopback; every
 * request to anything but the two loopback servers is aborted.
 *
 * Patient View, Rx View (order-select) and Rx Sign (order-sign) each show the
 * service's cards, and feedback from accepting a suggestion and from
 * dismissing a card reaches the feedback store.
 *
 * Without the sandbox build (../shared absent) or Chromium the suite is
 * skipped on a developer machine with a message, and fails where they are
 * required (CI=true; REQUIRE_SHARED=1 for the build).
 */
import {
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  browserSuitesRun,
  confinePage,
  loopbackServer,
} from '../helpers/browser.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { type BrowserContext, type Page, type Response, chromium } from 'playwright-core';
import { discoveryEntry, findService } from '../../src/cds-hooks/services.js';
import type { Card } from '../../src/protocol/types.js';
import { type ServiceProcess, startService } from '../ops/child-server.js';
import { SHARED_DIR, describeShared } from '../helpers/shared.js';

const SANDBOX = `${SHARED_DIR}cds-hooks-sandbox/`;
const TIMEOUT = 90_000;
const ADMIN_TOKEN = 'sandbox-test-admin-token';

const BROWSER_RUNS = browserSuitesRun('CDS Hooks Sandbox browser tests');
const NAME = 'the official CDS Hooks Sandbox against the service (npm start, demo FHIR server)';
/** Runs with the sandbox build (../shared) and Chromium; see describeShared for the absent-build rules. */
const suite = (body: () => void): void =>
  BROWSER_RUNS ? describeShared('cds-hooks-sandbox/index.html', NAME, body) : describe.skip(NAME, body);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.css': 'text/css',
};

/** Serves a folder as static files on loopback. */
async function staticServer(root: string): Promise<{ server: Server; base: string }> {
  const loopback = await loopbackServer();
  loopback.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(root, path);
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return loopback;
}

/** A free loopback port (the service must know its own URL before it starts). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface StoredRule {
  ruleId: string;
  accepted: number;
  overridden: number;
}

suite(() => {
  let service: ServiceProcess;
  let base: string;
  let sandbox: Server;
  let sandboxBase: string;
  let context: BrowserContext;
  let profile: string;
  let dataDir: string;
  let page: Page;
  let offHost: string[];
  let pageErrors: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'rls-sandbox-data-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // As `npm start` runs it (development, demo FHIR server on), with a data folder and admin routes of its own.
    service = await startService({
      NODE_ENV: 'development',
      DEMO_FHIR: 'true',
      PORT: String(port),
      LOG_FORMAT: 'json',
      CDS_DATA_DIR: dataDir,
      CDS_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    ({ server: sandbox, base: sandboxBase } = await staticServer(SANDBOX));
    profile = mkdtempSync(join(tmpdir(), 'rls-sandbox-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
  }, TIMEOUT);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => sandbox?.close(resolve));
    service?.child.kill('SIGTERM');
    await service?.exited;
    for (const dir of [profile, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    page = await context.newPage();
    ({ offHost, pageErrors } = await confinePage(page, [new URL(base).host, new URL(sandboxBase).host]));
  });

  afterEach(async () => {
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  function sandboxUrl(patientId: string, hook: string, screen?: string): string {
    const q = new URLSearchParams({
      fhirServiceUrl: `${base}/demo/fhir`,
      serviceDiscoveryURL: `${base}/cds-services`,
      patientId,
      hook,
      ...(screen ? { screen } : {}),
    });
    return `${sandboxBase}/?${q.toString()}`;
  }

  const hookResponse = (serviceId: string) => (r: Response) =>
    r.url() === `${base}/cds-services/${serviceId}` && r.request().method() === 'POST';

  /** The cards of a hook response, after checking it succeeded. */
  async function cardsOf(response: Response): Promise<Card[]> {
    expect(response.status()).toBe(200);
    return ((await response.json()) as { cards: Card[] }).cards;
  }

  /** Waits until the page shows each card's summary. */
  async function expectShown(cards: readonly Card[]): Promise<void> {
    for (const card of cards) await page.getByText(card.summary, { exact: true }).first().waitFor();
  }

  /** Types a medication into the order form and picks it from the sandbox's list. */
  async function pickMedication(query: string, name: string): Promise<void> {
    await page.fill('input[name="medication-input"]', query);
    await page.getByText(name, { exact: true }).first().click();
  }

  /** The feedback store's row of a rule once `until` holds (the card log is written asynchronously). */
  async function storedFeedback(ruleId: string, until: (row: StoredRule) => boolean): Promise<StoredRule> {
    let row: StoredRule | undefined;
    for (let i = 0; i < 60; i += 1) {
      const res = await fetch(`${base}/admin/feedback-summary`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      row = ((await res.json()) as { rules: StoredRule[] }).rules.find((r) => r.ruleId === ruleId);
      if (row && until(row)) return row;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`feedback for ${ruleId} not stored: ${JSON.stringify(row)}`);
  }

  function feedbackPost(serviceId: string): Promise<Response> {
    return page.waitForResponse(
      (r) => r.url() === `${base}/cds-services/${serviceId}/feedback` && r.request().method() === 'POST',
    );
  }

  test('Chromium is installed (required in CI)', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  test(
    'Patient View: discovery, prefetch built from our templates, the cards shown; accept and dismiss are recorded',
    async () => {
      const [response] = await Promise.all([
        page.waitForResponse(hookResponse('rls-patient-view'), { timeout: 30_000 }),
        page.goto(sandboxUrl('rls-on-pramipexole-025', 'patient-view')),
      ]);
      const sent = response.request().postDataJSON() as { hook: string; prefetch?: Record<string, unknown> };
      expect(sent.hook).toBe('patient-view');
      // The sandbox filled every prefetch template from the demo FHIR server.
      const templates = discoveryEntry(findService('rls-patient-view')!).prefetch as Record<string, string>;
      expect(Object.keys(sent.prefetch ?? {}).sort()).toEqual(Object.keys(templates).sort());
      const cards = await cardsOf(response);
      const ruleIds = cards.map((c) => c.source.topic?.code);
      expect(ruleIds).toEqual(expect.arrayContaining(['dopamine-agonist-review']));
      await expectShown(cards);
      await page.screenshot({ path: join(ARTIFACTS, 'sandbox-01-patient-view.png'), fullPage: true });

      // Accept a suggestion of one card, dismiss another.
      const withSuggestion = cards.find((c) => (c.suggestions ?? []).length > 0);
      expect(withSuggestion).toBeDefined();
      const suggestion = withSuggestion?.suggestions?.[0];
      const [accepted] = await Promise.all([
        feedbackPost('rls-patient-view'),
        page
          .getByRole('button', { name: suggestion?.label ?? '', exact: true })
          .first()
          .click(),
      ]);
      expect(accepted.status()).toBe(200);
      expect(accepted.request().postDataJSON()).toMatchObject({
        feedback: [
          {
            card: withSuggestion?.uuid,
            outcome: 'accepted',
            acceptedSuggestions: [{ id: suggestion?.uuid }],
          },
        ],
      });
      await storedFeedback(withSuggestion?.source.topic?.code ?? '', (r) => r.accepted >= 1);

      const other = cards.find((c) => c !== withSuggestion && c.uuid);
      expect(other).toBeDefined();
      const otherCard = page
        .locator('div', { has: page.getByText(other?.summary ?? '', { exact: true }) })
        .last();
      const [dismissed] = await Promise.all([
        feedbackPost('rls-patient-view'),
        otherCard.getByRole('button', { name: 'Dismiss', exact: true }).first().click(),
      ]);
      expect(dismissed.status()).toBe(200);
      expect(dismissed.request().postDataJSON()).toMatchObject({
        feedback: [{ card: other?.uuid, outcome: 'overridden' }],
      });
      await storedFeedback(other?.source.topic?.code ?? '', (r) => r.overridden >= 1);
      expect(offHost.filter((u) => !u.includes('sandbox-services.cds-hooks.org'))).toEqual([]);
    },
    TIMEOUT,
  );

  /** Opens a prescribing screen and waits for the first (empty) order-select or the page to settle. */
  async function openScreen(patientId: string, hook: string, screen: string): Promise<void> {
    await page.goto(sandboxUrl(patientId, hook, screen));
    await page.waitForSelector('input[name="medication-input"]');
    await page.getByText(`ID: ${patientId}`).first().waitFor();
  }

  test(
    'Rx View: each medication that draws one of our cards shows it (dose counted in {pill} takes the product strength)',
    async () => {
      await openScreen('rls-on-pramipexole-025', 'order-select', 'rx-view');
      // The patient is on pramipexole 0.25 mg/day; the sandbox orders one tablet ({pill}) daily.
      const orders = [
        {
          query: 'pramipexole 0.5',
          name: 'Pramipexole dihydrochloride 0.5 MG Oral Tablet',
          rule: 'dopamine-agonist-dose-increase',
          says: '0.5 mg/day',
        },
        {
          query: 'ropinirole 1',
          name: 'ropinirole 1 MG Oral Tablet',
          rule: 'dopamine-agonist-dose-increase',
          says: 'ropinirole',
        },
        {
          query: 'cabergoline 0.5',
          name: 'cabergoline 0.5 MG Oral Tablet',
          rule: 'avoid-cabergoline',
          says: 'cabergoline',
        },
        {
          query: '12 HR oxycodone 10',
          name: '12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet',
          rule: 'opioid-safety-checks',
          says: 'oxycodone',
        },
      ];
      for (const order of orders) {
        const [response] = await Promise.all([
          page.waitForResponse(
            (r) => hookResponse('rls-order-select')(r) && (r.request().postData() ?? '').includes(order.name),
          ),
          pickMedication(order.query, order.name),
        ]);
        const sent = response.request().postDataJSON() as {
          context: {
            selections: string[];
            draftOrders: { entry: { resource: { dosageInstruction?: unknown[] } }[] };
          };
        };
        expect(sent.context.selections).toHaveLength(1);
        const dosage = sent.context.draftOrders.entry[0]?.resource.dosageInstruction as
          { doseAndRate?: { doseQuantity?: { value?: number; code?: string } }[] }[] | undefined;
        expect(dosage?.[0]?.doseAndRate?.[0]?.doseQuantity).toMatchObject({ value: 1, code: '{pill}' });
        const cards = await cardsOf(response);
        const card = cards.find((c) => c.source.topic?.code === order.rule);
        expect([order.name, card?.detail?.toLowerCase()]).toEqual([
          order.name,
          expect.stringContaining(order.says),
        ]);
        await expectShown(cards);
        await page.screenshot({
          path: join(ARTIFACTS, `sandbox-02-rx-view-${order.rule}-${order.query.replace(/\W+/g, '-')}.png`),
          fullPage: true,
        });

        if (order.rule === 'avoid-cabergoline') {
          // Accept "remove the draft order": the sandbox posts accepted feedback, which is stored.
          const remove = card?.suggestions?.find((sg) => sg.actions?.some((act) => act.type === 'delete'));
          expect(remove).toBeDefined();
          const [feedback] = await Promise.all([
            feedbackPost('rls-order-select'),
            page
              .getByRole('button', { name: remove?.label ?? '', exact: true })
              .first()
              .click(),
          ]);
          expect(feedback.status()).toBe(200);
          expect(feedback.request().postDataJSON()).toMatchObject({
            feedback: [
              { card: card?.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: remove?.uuid }] },
            ],
          });
          await storedFeedback('avoid-cabergoline', (r) => r.accepted >= 1);
        }
      }
    },
    TIMEOUT,
  );

  test(
    'Rx Sign: signing a cabergoline order shows the critical card; dismissing it is recorded as overridden',
    async () => {
      // Another patient: the cabergoline card accepted in Rx View is not shown again for the same patient and facts.
      await openScreen('rls-good-iron', 'order-sign', 'rx-sign');
      await pickMedication('cabergoline 0.5', 'cabergoline 0.5 MG Oral Tablet');
      const [response] = await Promise.all([
        page.waitForResponse(hookResponse('rls-order-sign')),
        page.getByRole('button', { name: 'Sign Order' }).click(),
      ]);
      const sent = response.request().postDataJSON() as { hook: string; context: Record<string, unknown> };
      expect(sent.hook).toBe('order-sign');
      expect(sent.context.selections).toBeUndefined();
      const cards = await cardsOf(response);
      const card = cards.find((c) => c.source.topic?.code === 'avoid-cabergoline');
      expect(card?.indicator).toBe('critical');
      await expectShown(cards);
      await page.screenshot({ path: join(ARTIFACTS, 'sandbox-03-rx-sign-cabergoline.png'), fullPage: true });
      const before = await storedFeedback('avoid-cabergoline', () => true).catch(() => ({ overridden: 0 }));
      const shown = page.locator('div', { has: page.getByText(card?.summary ?? '', { exact: true }) }).last();
      const [feedback] = await Promise.all([
        feedbackPost('rls-order-sign'),
        shown.getByRole('button', { name: 'Dismiss', exact: true }).first().click(),
      ]);
      expect(feedback.status()).toBe(200);
      expect(feedback.request().postDataJSON()).toMatchObject({
        feedback: [{ card: card?.uuid, outcome: 'overridden' }],
      });
      await storedFeedback('avoid-cabergoline', (r) => r.overridden > before.overridden);
      expect(offHost.filter((u) => !u.includes('sandbox-services.cds-hooks.org'))).toEqual([]);
    },
    TIMEOUT,
  );
});
