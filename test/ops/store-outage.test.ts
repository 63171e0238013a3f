/**
 * The store goes away mid-run (the in-memory SQLite store closed; PostgreSQL
 * behind a proxy that is cut): hook calls keep answering 200, the failure is counted
 * in /metrics and logged, readiness reports it, feedback answers 503 so that
 * the EHR can send it again, and the queued card log is written once the
 * database is back.
 */
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import request from 'supertest';
import { memoryStore, openStore } from '../../src/store/open.js';
import { harness, ironCall } from './harness.js';
import { describePostgres, freshSchema } from './pg.js';

const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('with the store closed mid-run, hooks answer 200 and the failure shows in /metrics, logs and /readyz', async () => {
  const h = harness({ store: memoryStore() });
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
    purgeOlderThan: () => Promise.reject(new Error('unused')),
    recordSuppressed: () => Promise.resolve(),
    findingMemory: () => Promise.resolve([]),
    dailyOutcomes: () => Promise.reject(new Error('unused')),
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

describePostgres('PostgreSQL going away mid-run', () => {
  test('hooks keep answering 200, the failure shows in /metrics and /readyz, and the queue catches up when it is back', async () => {
    const schema = await freshSchema();
    const target = new URL(schema.url);
    const proxy = await tcpProxy(target.hostname, Number(target.port));
    const viaProxy = new URL(schema.url);
    viaProxy.port = String(proxy.port);
    const store = await openStore({
      dataDir: '/nonexistent',
      databaseUrl: viaProxy.toString(),
      databasePoolMax: 2,
    });
    const h = harness({ store });
    try {
      await request(h.app).post('/cds-services/rls-patient-view').send(ironCall('p-pg-1')).expect(200);
      expect(await h.ops.cardLog.flush(5000)).toBe(0);

      proxy.down(); // the database is unreachable: open connections cut, new ones refused

      for (const p of ['p-pg-2', 'p-pg-3']) {
        const started = Date.now();
        await request(h.app).post('/cds-services/rls-patient-view').send(ironCall(p)).expect(200);
        expect(Date.now() - started).toBeLessThan(1000);
      }
      expect(await h.ops.cardLog.flush(1000)).toBeGreaterThan(0);
      const metrics = await request(h.app).get('/metrics').expect(200);
      expect(
        metricValue(metrics.text, 'cds_store_failures_total{operation="card_log",reason="error"}'),
      ).toBeGreaterThanOrEqual(1);
      const ready = await request(h.app).get('/readyz').expect(503);
      expect(ready.body).toMatchObject({ checks: { store: 'unavailable' } });

      proxy.up();
      expect(await h.ops.cardLog.flush(5000)).toBe(0);
      await request(h.app).get('/readyz').expect(200);
      const summary = await store.feedbackSummary(null);
      expect(summary.rules.reduce((n, r) => n + r.issued, 0)).toBeGreaterThanOrEqual(3);
    } finally {
      await store.close();
      proxy.close();
      await schema.drop();
    }
  }, 30_000);
});

/** A loopback TCP proxy to host:port that can be taken down (cutting every connection) and brought back. */
async function tcpProxy(
  host: string,
  port: number,
): Promise<{ port: number; down: () => void; up: () => void; close: () => void }> {
  const sockets = new Set<Socket>();
  let accepting = true;
  const server = createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = (): void => sockets.forEach((s) => s.destroy());
  return {
    port: (server.address() as AddressInfo).port,
    down: () => {
      accepting = false;
      cut();
    },
    up: () => {
      accepting = true;
    },
    close: () => {
      cut();
      server.close();
    },
  };
}
