/**
 * With REDIS_URL configured (the JWT replay cache), /readyz also needs Redis
 * to answer PING. Checked on the real process, so that the wiring in
 * server.ts is what is tested. The live-Redis case uses the redis-server
 * that .ci/run starts (TEST_REDIS_URL); without it, it is skipped locally and
 * fails in CI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisReadiness } from '../../src/ops/redis-check.js';
import { startService } from './child-server.js';

const LIVE = process.env.TEST_REDIS_URL;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function readyz(redisUrl: string): Promise<{ status: number; body: unknown }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-ready-'));
  dirs.push(dataDir);
  const service = await startService({ CDS_DATA_DIR: dataDir, REDIS_URL: redisUrl });
  try {
    const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
    return { status: res.status, body: await res.json() };
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
  }
}

test('the service is not ready while the configured Redis does not answer', async () => {
  const { status, body } = await readyz('redis://127.0.0.1:1');
  expect(status).toBe(503);
  expect(body).toEqual({
    status: 'not ready',
    checks: { store: 'ok', redis: 'unavailable', templates: 'ok' },
  });
}, 30_000);

test('a PING to a closed port fails within the readiness time-out', async () => {
  const redis = redisReadiness('redis://127.0.0.1:1');
  const started = Date.now();
  await expect(redis.check.check()).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(2000);
  await redis.close();
});

if (LIVE || process.env.CI === 'true') {
  test('the service is ready once the configured Redis answers PING', async () => {
    if (!LIVE) throw new Error('TEST_REDIS_URL is not set: .ci/run starts redis-server and exports it');
    const { status, body } = await readyz(LIVE);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'ok', templates: 'ok' } });
  }, 30_000);
} else {
  test.skip('the service is ready once the configured Redis answers PING [skipped: no TEST_REDIS_URL; eval "$(.ci/redis start)"]', () =>
    undefined);
}
