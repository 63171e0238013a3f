/**
 * The governance report over HTTP: per rule and week, cards issued,
 * accepted, overridden by reason and held back, for a date range, as JSON
 * and as CSV, on the in-memory store and PostgreSQL (the SQLite file:
 * store-over-http.test.ts); behind the admin token, while the dashboard page
 * itself holds no data and needs none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildWeb } from '../../scripts/build-web.js';
import { governanceCsv, governanceReport } from '../../src/admin/governance.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createOperations } from '../../src/ops/operations.js';
import { memoryStore, openStore } from '../../src/store/open.js';
import { BASE_URL, NOW, templates } from '../helpers/app.js';
import { pino } from 'pino';
import { REPORT, reportScenario, seedGovernance } from './governance-data.js';
import { ADMIN_TOKEN, harness } from './harness.js';
import { describePostgres, freshSchema } from './pg.js';

describe('the in-memory store', () => {
  reportScenario(() => Promise.resolve({ store: memoryStore(), cleanup: () => Promise.resolve() }));
});

describePostgres('PostgreSQL', () => {
  reportScenario(async () => {
    const schema = await freshSchema();
    const store = await openStore({ dataDir: '/nonexistent', databaseUrl: schema.url, databasePoolMax: 2 });
    return { store, cleanup: schema.drop };
  });
});

describe('the range', () => {
  test('defaults to the last 12 weeks up to today, Monday-aligned', async () => {
    const h = harness();
    const res = await request(h.app).get(REPORT).auth(ADMIN_TOKEN, { type: 'bearer' }).expect(200);
    expect(NOW.toISOString().slice(0, 10)).toBe('2026-11-01'); // a Sunday
    expect(res.body).toMatchObject({ from: '2026-08-10', to: '2026-11-01', rules: [] });
    expect((res.body as { weeks: string[] }).weeks).toHaveLength(12);
  });

  test.each([
    [{ from: '2026-13-01' }, 'from', 'from: is not a calendar date'],
    [{ to: 'yesterday' }, 'to', 'to: must be a date (YYYY-MM-DD), given once'],
    [{ from: '2026-11-02', to: '2026-11-01' }, 'from', 'from: must not be after to'],
    [{ from: '2020-01-01', to: '2026-11-01' }, 'from', 'from: the range must be at most 731 days'],
  ])('%j gets 400 naming %s', async (query, field, message) => {
    const h = harness();
    const res = await request(h.app)
      .get(REPORT)
      .query(query)
      .auth(ADMIN_TOKEN, { type: 'bearer' })
      .expect(400);
    expect(res.body).toMatchObject({
      issue: [{ code: 'invalid', diagnostics: message, expression: [field] }],
    });
  });
});

describe('access', () => {
  test('the report and the CSV need the admin token', async () => {
    const h = harness();
    await request(h.app).get(REPORT).expect(401);
    await request(h.app).get(`${REPORT}.csv`).expect(401);
  });

  test('the page is served without the token, with a strict CSP, and holds no data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-admin-page-'));
    try {
      await buildWeb(dir);
      const config = loadConfig({ NODE_ENV: 'test', CDS_PUBLIC_URL: BASE_URL, CDS_ADMIN_TOKEN: ADMIN_TOKEN });
      const logger = pino({ level: 'silent' });
      const store = memoryStore();
      await seedGovernance(store);
      const app = createApp({
        config,
        logger,
        templates,
        now: () => NOW,
        ops: createOperations({ logger, store }),
        simulatorAssetsDir: dir,
      });
      await request(app).get('/admin').expect(302).expect('Location', '/admin/');
      const page = await request(app).get('/admin/').expect(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(page.text).toContain('<script type="module" src="./admin.js">');
      expect(page.text).not.toContain('iron-not-optimized');
      const script = await request(app).get('/admin/admin.js').expect(200);
      expect(script.text).not.toMatch(/localStorage|sessionStorage|document\.cookie/);
      expect(script.text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      for (const sheet of ['base.css', 'admin.css']) {
        expect(page.text).toContain(`<link rel="stylesheet" href="./${sheet}" />`);
        await request(app).get(`/admin/${sheet}`).expect(200).expect('content-type', /css/);
      }
      await request(app).get('/admin/other.js').expect(401);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the CSV', () => {
  test('a reason code with a comma or a quote is quoted, so every row keeps four columns', () => {
    const report = governanceReport(
      { from: '2026-10-26', to: '2026-11-01' },
      [
        { ruleId: 'iron-not-optimized', day: '2026-10-27', kind: 'issued', reasonCode: null, count: 1 },
        {
          ruleId: 'iron-not-optimized',
          day: '2026-10-27',
          kind: 'overridden',
          reasonCode: 'a,"b"',
          count: 1,
        },
      ],
      NOW,
      {},
    );
    expect(governanceCsv(report).trimEnd().split('\r\n')).toEqual([
      'rule,week,measure,count',
      'iron-not-optimized,2026-10-26,issued,1',
      'iron-not-optimized,2026-10-26,overridden,1',
      'iron-not-optimized,2026-10-26,"overridden:a,""b""",1',
    ]);
  });
});
