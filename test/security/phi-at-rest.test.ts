/**
 * PHI at rest: the SQLite files (which hold clinicians' free-text comments)
 * are readable by the service's user only, and card-log and feedback rows
 * older than the retention period are deleted at start-up and then daily.
 */
import { jest } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open.js';
import { retentionCutoff, startRetention } from '../../src/store/retention.js';
import type { CardLogEntry, ClientKey, FeedbackRecord, OpsStore } from '../../src/store/types.js';

const EHR: ClientKey = { iss: 'https://ehr.hospital-a.example', tenant: '' };
const NOW = new Date('2026-11-01T09:00:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number): Date => new Date(NOW.getTime() - d * DAY);

const card = (uuid: string, issuedAt: Date): CardLogEntry => ({
  cardUuid: uuid,
  serviceId: 'rls-patient-view',
  ruleId: 'iron-not-optimized',
  indicator: 'warning',
  hookInstance: `h-${uuid}`,
  client: EHR,
  issuedAt,
});

const overridden = (uuid: string, receivedAt: Date): FeedbackRecord => ({
  serviceId: 'rls-patient-view',
  cardUuid: uuid,
  client: EHR,
  outcome: 'overridden',
  acceptedSuggestions: [],
  overrideComment: 'Mrs Example prefers to wait',
  outcomeAt: receivedAt,
  receivedAt,
});

const mode = (path: string): number => statSync(path).mode & 0o777;

let dir: string;
let previousUmask: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cds-phi-'));
  previousUmask = process.umask(0o022); // a typical umask: files 0644 unless the service says otherwise
});
afterEach(() => {
  process.umask(previousUmask);
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite store files', () => {
  test('the database, its WAL and shared-memory files are mode 0600 and a new data folder 0700', async () => {
    const dataDir = join(dir, 'data');
    const store = await openStore({ dataDir, databasePoolMax: 1 });
    try {
      await store.recordCards([card('c1', NOW)]);
      await store.recordFeedback([overridden('c1', NOW)]);
      const file = join(dataDir, 'cds-ops.sqlite');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(f)).toBe(true);
        expect([f, mode(f).toString(8)]).toEqual([f, '600']);
      }
      expect(mode(dataDir).toString(8)).toBe('700');
    } finally {
      await store.close();
    }
  });

  test('a database file left readable by others is tightened to 0600 when the store opens', async () => {
    const file = join(dir, 'cds-ops.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const store = await openStore({ dataDir: dir, databasePoolMax: 1 });
    try {
      expect(mode(file).toString(8)).toBe('600');
    } finally {
      await store.close();
    }
  });
});

describe('retention', () => {
  async function seeded(): Promise<OpsStore> {
    const store = await openStore({ dataDir: dir, databasePoolMax: 1 });
    await store.recordCards([card('old', daysAgo(401)), card('edge', daysAgo(399)), card('new', daysAgo(1))]);
    await store.recordFeedback([
      overridden('old', daysAgo(399)), // about a card past retention: goes with its card
      overridden('edge', daysAgo(399)),
      overridden('orphan', daysAgo(401)), // no card in the log, received too long ago
      overridden('new', daysAgo(1)),
    ]);
    return store;
  }

  test('RETENTION_DAYS defaults to 400 and must be a positive whole number of days', () => {
    expect(loadConfig({}).retentionDays).toBe(400);
    expect(loadConfig({ RETENTION_DAYS: '30' }).retentionDays).toBe(30);
    expect(() => loadConfig({ RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
  });

  test('rows older than the cutoff are deleted, with the feedback about deleted cards; younger rows stay', async () => {
    const store = await seeded();
    try {
      const result = await store.purgeOlderThan(retentionCutoff(NOW, 400));
      expect(result).toEqual({ cards: 1, feedback: 2, suppressed: 0 });
      const summary = await store.feedbackSummary(null);
      expect(summary.rules).toEqual([expect.objectContaining({ issued: 2, overridden: 2 })]);
      expect(summary.unmatchedFeedback).toBe(0);
    } finally {
      await store.close();
    }
  });

  test('the job deletes at start-up, then once a day', async () => {
    const store = await seeded();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    let clock = NOW;
    const runs: Date[] = [];
    try {
      const job = startRetention({
        store,
        days: 400,
        now: () => clock,
        onPurged: (_result, cutoff) => runs.push(cutoff),
      });
      await job.firstRun;
      expect(runs).toEqual([retentionCutoff(NOW, 400)]);
      expect((await store.feedbackSummary(null)).rules[0]).toMatchObject({ issued: 2 });

      clock = new Date(NOW.getTime() + 2 * DAY); // 'edge' is now 401 days old
      jest.advanceTimersByTime(DAY - 1);
      expect(runs).toHaveLength(1);
      jest.advanceTimersByTime(1);
      while (runs.length < 2) await new Promise((r) => setImmediate(r));
      expect(runs[1]).toEqual(retentionCutoff(clock, 400));
      expect((await store.feedbackSummary(null)).rules[0]).toMatchObject({ issued: 1 });
      job.stop();
    } finally {
      jest.useRealTimers();
      await store.close();
    }
  });

  test('a failing run is reported, not thrown', async () => {
    const errors: unknown[] = [];
    const job = startRetention({
      store: { purgeOlderThan: () => Promise.reject(new Error('database down')) },
      days: 400,
      now: () => NOW,
      onError: (e) => errors.push(e),
    });
    await job.firstRun;
    job.stop();
    expect(errors).toHaveLength(1);
  });
});
