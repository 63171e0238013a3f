/**
 * A JWKS URL is fetched at most once per cooldown window, whatever the
 * outcome of the fetch: a URL that answers 500, redirects or sends an
 * oversized body is not asked again for every token that names it (which
 * would let anyone with a forged token make the service hammer the EHR's
 * key host). Real sockets on loopback, outside production (http allowed).
 */
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { parseClients } from '../../src/auth/clients.js';
import { KeySources } from '../../src/auth/keys.js';
import { MemoryReplayCache } from '../../src/auth/replay.js';
import { verifyToken } from '../../src/auth/verify.js';
import {
  NOW,
  SERVICE_AUD,
  SERVICE_PATH,
  type Signer,
  fetchingCall,
  jwksOf,
  mint,
  newSigner,
  secureService,
  writeClientsFile,
} from './helpers.js';

interface Host {
  readonly server: Server;
  readonly url: string;
  hits: number;
}

async function host(answer: (res: ServerResponse) => void): Promise<Host> {
  const h = { hits: 0 } as { hits: number; server: Server; url: string };
  h.server = createServer((_req, res) => {
    h.hits += 1;
    answer(res);
  });
  await new Promise<void>((resolve) => h.server.listen(0, '127.0.0.1', resolve));
  h.url = `http://127.0.0.1:${(h.server.address() as AddressInfo).port}/jwks.json`;
  return h;
}

let signer: Signer;
let failing: Host;
let redirecting: Host;
let oversized: Host;
let target: Host;
let good: Host;

beforeAll(async () => {
  signer = await newSigner('ES384');
  failing = await host((res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":"down"}');
  });
  target = await host((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwksOf(signer)));
  });
  redirecting = await host((res) => {
    res.writeHead(302, { location: target.url });
    res.end();
  });
  oversized = await host((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [{ ...signer.publicJwk, pad: 'x'.repeat(300 * 1024) }] }));
  });
  good = await host((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwksOf(signer)));
  });
});

afterAll(async () => {
  for (const h of [failing, redirecting, oversized, target, good]) {
    h.server.closeAllConnections();
    await new Promise((resolve) => h.server.close(resolve));
  }
});

beforeEach(() => {
  for (const h of [failing, redirecting, oversized, target, good]) h.hits = 0;
});

const cases = (): [string, Host][] => [
  ['answers 500', failing],
  ['redirects', redirecting],
  ['sends an oversized body', oversized],
];

test.each([0, 1, 2])('a JWKS URL that %s is fetched once for five tokens within the cooldown', async (i) => {
  const [name, h] = cases()[i] as [string, Host];
  const iss = `https://ehr-${i}.loopback`;
  const clientsFile = writeClientsFile([{ iss, jwksUrl: h.url, fhirServers: [] }]);
  const { app } = secureService(clientsFile, { NODE_ENV: 'test', CORS_ORIGINS: '*' });
  for (let n = 0; n < 5; n += 1) {
    const res = await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${await mint(signer, { iss })}`)
      .send(fetchingCall());
    expect([name, res.status]).toEqual([name, 401]);
  }
  expect([name, h.hits]).toEqual([name, 1]);
  expect(target.hits).toBe(0);
});

test('after the cooldown window the failing URL is fetched once more, and a good URL keeps working', async () => {
  let clock = NOW.getTime();
  const clients = parseClients(
    {
      clients: [
        { iss: 'https://failing.loopback', jwksUrl: failing.url, fhirServers: [] },
        { iss: 'https://good.loopback', jwksUrl: good.url, fhirServers: [] },
      ],
    },
    false,
  );
  const settings = {
    clients,
    keys: new KeySources(clients, {
      cacheMaxAgeMs: 600_000,
      cooldownMs: 30_000,
      timeoutMs: 2000,
      now: () => clock,
    }),
    replayCache: new MemoryReplayCache(),
    clockSkewSeconds: 60,
    maxLifetimeSeconds: 3600,
    now: () => NOW,
  };
  const verify = async (iss: string) => verifyToken(await mint(signer, { iss }), SERVICE_AUD, settings);

  expect(await verify('https://failing.loopback')).toMatchObject({
    ok: false,
    reason: 'JWKS could not be fetched',
  });
  clock += 29_000;
  expect(await verify('https://failing.loopback')).toMatchObject({
    ok: false,
    reason: 'JWKS not fetched again within the cooldown after the last fetch',
  });
  expect(failing.hits).toBe(1);
  clock += 2_000;
  expect(await verify('https://failing.loopback')).toMatchObject({ ok: false });
  expect(failing.hits).toBe(2);

  // The cooldown of one URL does not touch another.
  expect(await verify('https://good.loopback')).toMatchObject({ ok: true });
  expect(await verify('https://good.loopback')).toMatchObject({ ok: true });
  expect(good.hits).toBe(1);
});
