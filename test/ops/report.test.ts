/**
 * `npm run report`: the same numbers as the admin route, as a table, read
 * from the configured store.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { summaryTable } from '../../src/admin/summary.js';
import { openStore } from '../../src/store/open.js';
import { NO_CLIENT } from '../../src/store/types.js';
import { ROOT, distEntry } from './child-server.js';

const run = promisify(execFile);

test('the table has one row per rule with every count, the rate and the reasons', () => {
  const table = summaryTable({
    since: new Date('2026-10-01T00:00:00Z'),
    unmatchedFeedback: 2,
    rules: [
      {
        ruleId: 'avoid-cabergoline',
        issued: 40,
        accepted: 10,
        overridden: 25,
        noResponse: 5,
        acceptanceRate: 0.25,
        overrideReasons: [
          { code: 'non-rls-indication', count: 20 },
          { code: null, count: 5 },
        ],
      },
    ],
  });
  const lines = table.trimEnd().split('\n');
  expect(lines[0]).toBe('Override analytics: cards issued since 2026-10-01T00:00:00.000Z');
  expect(lines[2]).toMatch(
    /^rule\s+issued\s+accepted\s+overridden\s+no response\s+acceptance\s+override reasons$/,
  );
  expect(lines[4]).toMatch(
    /^avoid-cabergoline\s+40\s+10\s+25\s+5\s+25\.0 %\s+non-rls-indication 20, \(no reason\) 5$/,
  );
  expect(table).toContain('2 feedback entries for cards not in the card log');
});

test('an empty period says so instead of printing an empty table', () => {
  expect(summaryTable({ since: null, rules: [], unmatchedFeedback: 0 })).toContain(
    '(no cards issued in this period)',
  );
});

describe('the report command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cds-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, CDS_DATA_DIR: dir, NODE_ENV: 'test' };
  delete env.DATABASE_URL;
  const report = (...args: string[]) =>
    run(process.execPath, [distEntry('cli/report'), ...args], { cwd: ROOT, env });

  beforeAll(async () => {
    const store = await openStore({ dataDir: dir, databasePoolMax: 1 });
    const issuedAt = new Date('2026-11-01T09:00:00Z');
    const card = (uuid: string) => ({
      cardUuid: uuid,
      serviceId: 'rls-patient-view',
      ruleId: 'iron-not-optimized',
      indicator: 'warning',
      hookInstance: 'h',
      client: NO_CLIENT,
      issuedAt,
    });
    await store.recordCards([card('a'), card('b'), card('c'), card('d')]);
    await store.recordFeedback([
      {
        serviceId: 'rls-patient-view',
        cardUuid: 'a',
        client: NO_CLIENT,
        outcome: 'accepted',
        acceptedSuggestions: ['s'],
        outcomeAt: issuedAt,
        receivedAt: issuedAt,
      },
      {
        serviceId: 'rls-patient-view',
        cardUuid: 'b',
        client: NO_CLIENT,
        outcome: 'overridden',
        acceptedSuggestions: [],
        overrideReasonCode: 'patient-declined',
        outcomeAt: issuedAt,
        receivedAt: issuedAt,
      },
    ]);
    await store.close();
  });

  test('prints the table from the SQLite file in CDS_DATA_DIR', async () => {
    const { stdout } = await report('--since', '2026-10-01');
    expect(stdout).toMatch(/^iron-not-optimized\s+4\s+1\s+1\s+2\s+25\.0 %\s+patient-declined 1$/m);
    expect(stdout).toContain(`sqlite ${join(dir, 'cds-ops.sqlite')}`);
  }, 30_000);

  test('--json prints the body of the admin route', async () => {
    const { stdout } = await report('--json');
    expect(JSON.parse(stdout)).toMatchObject({
      since: null,
      rules: [{ ruleId: 'iron-not-optimized', issued: 4, accepted: 1, overridden: 1, noResponse: 2 }],
    });
  }, 30_000);

  test('a since that is not a date exits 2 with a message naming it', async () => {
    await expect(report('--since', 'yesterday')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('since: must be a date') as unknown,
    });
  }, 30_000);
});
