/**
 * The shared replay cache: two service instances behind one load balancer
 * share a real Redis (Debian's redis-server, started by .ci/run, URL in
 * TEST_REDIS_URL), so the second use of a `jti` is refused whichever
 * instance sees it first. In CI a missing TEST_REDIS_URL fails the run;
 * locally these tests are skipped with a message.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { RedisReplayCache } from '../../src/auth/replay.js';
import {
  type HostCounts,
  SERVICE_PATH,
  type Signer,
  fetchingCall,
  jwksOf,
  mint,
  mockHosts,
  newSigner,
  secureService,
  standardClients,
  writeClientsFile,
} from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL;
const IN_CI = process.env.CI === 'true';

if (!REDIS_URL) {
  if (IN_CI) {
    test('TEST_REDIS_URL is set in CI (.ci/run starts redis-server and exports it)', () => {
      throw new Error('TEST_REDIS_URL is not set: the Redis replay-cache tests cannot run');
    });
  } else {
    console.warn(
      'test/security/redis.test.ts: TEST_REDIS_URL not set; Redis replay-cache tests skipped (see .ci/run)',
    );
  }
}

const describeRedis = REDIS_URL ? describe : describe.skip;

describeRedis('replay cache in Redis', () => {
  const url = REDIS_URL ?? 'redis://127.0.0.1:1';
  let es384: Signer;
  let clientsFile: string;
  let hosts: HostCounts;
  let inspector: Redis;
  const opened: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    es384 = await newSigner('ES384');
    clientsFile = writeClientsFile(standardClients([es384], await newSigner('ES384')));
    inspector = new Redis(url);
  });

  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close()));
    await inspector.quit();
  });

  beforeEach(() => {
    hosts = mockHosts({ jwks: jwksOf(es384), jku: jwksOf(es384) });
  });

  function instance() {
    const service = secureService(clientsFile, { REDIS_URL: url });
    opened.push(service.auth);
    return service.app;
  }

  test('SET NX EX: a key is claimed once, and it expires with the token', async () => {
    const cache = new RedisReplayCache(url, pino({ level: 'silent' }), `rls-cds-test:${randomUUID()}:`);
    opened.push(cache);
    const key = randomUUID();
    expect(await cache.claim(key, 120)).toBe(true);
    expect(await cache.claim(key, 120)).toBe(false);
    const keys = await inspector.keys('rls-cds-test:*');
    const ours = keys.find((k) => k.endsWith(key));
    expect(ours).toBeDefined();
    const ttl = await inspector.ttl(ours ?? '');
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  test.each([
    ['A', 'B'],
    ['B', 'A'],
  ])(
    'two instances share one Redis: after instance %s accepts a jti, instance %s refuses it',
    async (first) => {
      const a = instance();
      const b = instance();
      const [winner, loser] = first === 'A' ? [a, b] : [b, a];
      const token = await mint(es384);
      const ok = await request(winner)
        .post(SERVICE_PATH)
        .set('Authorization', `Bearer ${token}`)
        .send(fetchingCall());
      expect(ok.status).toBe(200);
      const fhirAfterFirst = hosts.fhir;
      const replay = await request(loser)
        .post(SERVICE_PATH)
        .set('Authorization', `Bearer ${token}`)
        .send(fetchingCall());
      expect(replay.status).toBe(401);
      expect(replay.text).toBe('');
      expect(hosts.fhir).toBe(fhirAfterFirst);
    },
  );

  test('two instances racing on the same token: exactly one accepts it', async () => {
    const a = instance();
    const b = instance();
    const token = await mint(es384);
    const results = await Promise.all(
      [a, b, a, b].map((app) =>
        request(app).post(SERVICE_PATH).set('Authorization', `Bearer ${token}`).send(fetchingCall()),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
  });
});

test('when Redis cannot be reached, calls are refused (503, fail closed), not let through', async () => {
  const es384 = await newSigner('ES384');
  const clientsFile = writeClientsFile(standardClients([es384], es384));
  const hosts = mockHosts({ jwks: jwksOf(es384), jku: jwksOf(es384) });
  // Port 1 on loopback: nothing listens there.
  const { app, auth } = secureService(clientsFile, { REDIS_URL: 'redis://127.0.0.1:1' });
  try {
    const res = await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${await mint(es384)}`)
      .send(fetchingCall());
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    expect(JSON.stringify(res.body)).not.toMatch(/redis|127\.0\.0\.1/i);
    expect(hosts.fhir).toBe(0);
  } finally {
    await auth.close();
  }
});
