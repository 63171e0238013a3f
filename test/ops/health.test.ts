/**
 * /healthz says the process answers; /readyz checks the store, Redis when
 * configured (an injected check), and the card templates, and answers 503
 * while shutting down.
 */
import request from 'supertest';
import { harness } from './harness.js';

test('/healthz answers 200 ok', async () => {
  const res = await request(harness().app).get('/healthz').expect(200);
  expect(res.body).toEqual({ status: 'ok' });
});

test('/readyz answers 200 when the store and the templates are there', async () => {
  const res = await request(harness().app).get('/readyz').expect(200);
  expect(res.body).toEqual({ status: 'ready', checks: { store: 'ok', templates: 'ok' } });
  expect(res.headers['cache-control']).toBe('no-store');
});

test('/readyz answers 503 naming a configured dependency that is down, without its error text', async () => {
  const redis = {
    name: 'redis',
    check: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:6379')),
  };
  const res = await request(harness({ readiness: [redis] }).app)
    .get('/readyz')
    .expect(503);
  expect(res.body).toEqual({
    status: 'not ready',
    checks: { store: 'ok', redis: 'unavailable', templates: 'ok' },
  });
  expect(JSON.stringify(res.body)).not.toContain('10.0.0.7');
});

test('/readyz answers 503 "timed out" for a check that hangs, within the check time-out', async () => {
  const hung = { name: 'redis', check: () => new Promise<void>(() => undefined) };
  const started = Date.now();
  const res = await request(harness({ readiness: [hung] }).app)
    .get('/readyz')
    .expect(503);
  expect((res.body as { checks: Record<string, string> }).checks.redis).toBe('timed out');
  expect(Date.now() - started).toBeLessThan(4000);
});

test('/readyz answers 503 once shutdown has begun, while /healthz still answers', async () => {
  const h = harness();
  h.ops.lifecycle.draining = true;
  const res = await request(h.app).get('/readyz').expect(503);
  expect(res.body).toEqual({ status: 'shutting down' });
  await request(h.app).get('/healthz').expect(200);
});
