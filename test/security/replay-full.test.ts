/**
 * The in-memory replay cache never forgets a token id that has not expired
 * to make room for a new one (that would let the forgotten token be
 * replayed). When it is full of live ids, new tokens are refused with 503,
 * and the refusals are counted in `cds_replay_cache_full_total`.
 */
import request from 'supertest';
import { parseClients } from '../../src/auth/clients.js';
import { createAuth } from '../../src/auth/index.js';
import { MemoryReplayCache, ReplayCacheFull } from '../../src/auth/replay.js';
import { createLogger } from '../../src/logger.js';
import { testApp } from '../helpers/app.js';
import { BASE_URL, ISS_STATIC, LogCapture, NOW, type Signer, jwksOf, mint, newSigner } from './helpers.js';

test('a full cache of live ids rejects a new claim and keeps every live id (no eviction)', async () => {
  let now = 0;
  const cache = new MemoryReplayCache(3, () => now);
  for (const jti of ['a', 'b', 'c']) expect(await cache.claim(jti, 60)).toBe(true);
  await expect(cache.claim('d', 60)).rejects.toBeInstanceOf(ReplayCacheFull);
  expect(cache.refusedWhenFull).toBe(1);
  // Every live id is still there: each is still a replay.
  for (const jti of ['a', 'b', 'c']) expect(await cache.claim(jti, 60)).toBe(false);
  expect(cache.size).toBe(3);
  // Once one expires, there is room again.
  now += 61_000;
  expect(await cache.claim('d', 60)).toBe(true);
});

test('expired ids anywhere in the cache make room when it is full', async () => {
  let now = 0;
  const cache = new MemoryReplayCache(3, () => now);
  expect(await cache.claim('long', 600)).toBe(true);
  expect(await cache.claim('short', 10)).toBe(true);
  expect(await cache.claim('long-2', 600)).toBe(true);
  now += 11_000;
  expect(await cache.claim('new', 60)).toBe(true);
  expect(await cache.claim('long', 600)).toBe(false);
  expect(cache.refusedWhenFull).toBe(0);
});

describe('over HTTP', () => {
  let signer: Signer;
  beforeAll(async () => {
    signer = await newSigner('ES384');
  });

  test('when the cache is full of live ids, a new valid token gets 503 (not 401, not let through), and the metric counts it', async () => {
    const logs = new LogCapture();
    const clients = parseClients(
      { clients: [{ iss: ISS_STATIC, jwks: jwksOf(signer), fhirServers: [] }] },
      false,
    );
    const auth = createAuth({
      clients,
      replayCache: new MemoryReplayCache(2, () => NOW.getTime()),
      publicUrl: BASE_URL,
      clockSkewSeconds: 60,
      maxLifetimeSeconds: 3600,
      jwks: { cacheMaxAgeMs: 600_000, cooldownMs: 30_000, timeoutMs: 2000 },
      logger: createLogger('info', logs),
      now: () => NOW,
    });
    const app = testApp({}, undefined, NOW, { auth });
    const discover = async () =>
      request(app)
        .get('/cds-services')
        .set('Authorization', `Bearer ${await mint(signer, { aud: `${BASE_URL}/cds-services` })}`);
    expect((await discover()).status).toBe(200);
    expect((await discover()).status).toBe(200);
    const refused = await discover();
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ issue: [{ code: 'transient' }] });
    expect((await discover()).status).toBe(503);
    const line = logs.records().find((r) => r.msg === 'authentication refused');
    expect(line).toMatchObject({ status: 503, auth: { reason: 'replay cache full' } });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/^cds_replay_cache_full_total 2$/m);
  });
});
