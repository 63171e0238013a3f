/**
 * The store goes away mid-run: hook calls keep answering 200, the failure is
 * counted in /metrics and logged, readiness reports it, and feedback answers
 * 503 so that the EHR can send it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { openStore } from '../../src/store/open.js';
import { harness, ironCall } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cds-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('with the store closed mid-run, hooks answer 200 and the failure shows in /metrics, logs and /readyz', async () => {
  const h = harness({ store: await openStore({ dataDir: dir, databasePoolMax: 1 }) });
  await request(h.app).post('/cds-services/rls-patient-view').send(ironCall('p-a')).expect(200);
  expect(await h.ops.cardLog.flush(2000)).toBe(0);
  await request(h.app).get('/readyz').expect(200);

  await h.ops.store.close(); // the database is gone

  for (const p of ['p-b', 'p-c', 'p-d']) {
    const res = await request(h.app).post('/cds-services/rls-patient-view').send(ironCall(p)).expect(200);
    expect((res.body as { cards: unknown[] }).cards.length).toBeGreaterThan(0);
  }
  expect(await h.ops.cardLog.flush(500)).toBeGreaterThan(0); // still queued, not lost

  const metrics = await request(h.app).get('/metrics').expect(200);
  const failures = metricValue(metrics.text, 'cds_store_failures_total{operation="card_log",reason="error"}');
  expect(failures).toBeGreaterThanOrEqual(1);

  const failureLines = h.lines().filter((l) => l.msg === 'card log: store write failed; will retry');
  expect(failureLines.length).toBeGreaterThanOrEqual(1);

  const ready = await request(h.app).get('/readyz').expect(503);
  expect(ready.body).toMatchObject({
    status: 'not ready',
    checks: { store: 'unavailable', templates: 'ok' },
  });

  const feedback = await request(h.app)
    .post('/cds-services/rls-patient-view/feedback')
    .send({
      feedback: [
        {
          card: '0b6f3c1e-0000-4000-8000-000000000001',
          outcome: 'overridden',
          outcomeTimestamp: '2026-11-01T10:00:00Z',
        },
      ],
    })
    .expect(503);
  expect(feedback.headers['retry-after']).toBe('30');
  const after = await request(h.app).get('/metrics').expect(200);
  expect(metricValue(after.text, 'cds_store_failures_total{operation="feedback",reason="error"}')).toBe(1);
});

test('when the queue is full, new card-log entries are dropped and counted, and hooks still answer', async () => {
  const never = {
    kind: 'sqlite' as const,
    recordCards: () => new Promise<void>(() => undefined), // a store that hangs
    recordFeedback: () => Promise.resolve([]),
    feedbackSummary: () => Promise.reject(new Error('unused')),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const h = harness({ store: never });
  // The default queue holds 10 000 entries; fill it directly, then make a call.
  h.ops.cardLog.push(Array.from({ length: 10_000 }, () => ({}) as never));
  await request(h.app).post('/cds-services/rls-patient-view').send(ironCall('p-e')).expect(200);
  const metrics = await request(h.app).get('/metrics').expect(200);
  expect(
    metricValue(metrics.text, 'cds_store_failures_total{operation="card_log",reason="queue_full"}'),
  ).toBeGreaterThanOrEqual(1);
});
