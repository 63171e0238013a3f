/**
 * The positive side of the security review: in production mode, ES384 and
 * RS384 tokens are accepted from a static JWKS, from a JWKS URL and from an
 * allow-listed `jku`, the CDS Hooks sandbox's token shape works, and a
 * rotated key is picked up after one JWKS refresh, while a flood of unknown
 * `kid`s cannot make the service hammer the JWKS host.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  BASE_URL,
  type HostCounts,
  ISS_JKU,
  ISS_STATIC,
  ISS_URL,
  JKU_HOST,
  JKU_PATH,
  type KeyHosts,
  NOW_S,
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

let es384: Signer;
let rs384: Signer;
let tenantKey: Signer;
let clientsFile: string;
let keys: KeyHosts;
let hosts: HostCounts;

beforeAll(async () => {
  [es384, rs384, tenantKey] = await Promise.all([newSigner('ES384'), newSigner('RS384'), newSigner('ES384')]);
  clientsFile = writeClientsFile(standardClients([es384, rs384], tenantKey));
});

beforeEach(() => {
  keys = { jwks: jwksOf(es384, rs384), jku: jwksOf(es384, rs384) };
  hosts = mockHosts(keys);
});

type CardsBody = { cards: { summary: string; source: { topic?: { code?: string } } }[] };

/** A call that must succeed: 200, the fixture patient's iron card, data read from the FHIR server. */
async function expectCards(app: ReturnType<typeof secureService>['app'], token: string): Promise<void> {
  const res = await request(app)
    .post(SERVICE_PATH)
    .set('Authorization', `Bearer ${token}`)
    .send(fetchingCall());
  expect(res.status).toBe(200);
  expect((res.body as CardsBody).cards.map((c) => c.source.topic?.code)).toContain('iron-not-optimized');
  expect(hosts.fhir).toBeGreaterThan(0);
}

describe.each([
  ['ES384', () => es384],
  ['RS384', () => rs384],
])('%s tokens are accepted', (_alg, signer) => {
  test('from a static JWKS in the clients file, without any key fetch', async () => {
    await expectCards(secureService(clientsFile).app, await mint(signer(), { iss: ISS_STATIC }));
    expect(hosts.jwks + hosts.jku).toBe(0);
  });

  test('from the client JWKS URL, fetched once and then cached', async () => {
    const { app } = secureService(clientsFile);
    await expectCards(app, await mint(signer(), { iss: ISS_URL }));
    await expectCards(app, await mint(signer(), { iss: ISS_URL }));
    expect(hosts.jwks).toBe(1);
  });

  test('from an allow-listed jku', async () => {
    const token = await mint(signer(), { iss: ISS_JKU, header: { jku: `${JKU_HOST}${JKU_PATH}` } });
    await expectCards(secureService(clientsFile).app, token);
    expect(hosts.jku).toBe(1);
  });
});

test("the CDS Hooks sandbox's token shape (ES384, kid + jku header, aud = endpoint, exp = iat + 300 s, UUID jti) is accepted", async () => {
  const sandbox = await newSigner('ES384', 'sandbox-key-1');
  keys.jku = jwksOf(sandbox);
  const token = await mint(sandbox, {
    iss: ISS_JKU,
    aud: `${BASE_URL}${SERVICE_PATH}`,
    iat: NOW_S,
    exp: NOW_S + 300,
    jti: randomUUID(),
    header: { jku: `${JKU_HOST}${JKU_PATH}` },
  });
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((p): unknown => JSON.parse(Buffer.from(p, 'base64url').toString()));
  expect(header).toEqual({ alg: 'ES384', typ: 'JWT', kid: 'sandbox-key-1', jku: `${JKU_HOST}${JKU_PATH}` });
  expect(Object.keys(payload as object).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti']);
  await expectCards(secureService(clientsFile).app, token);
});

test('unknown claims (Epic adds sub) are accepted, and a past nbf is honoured', async () => {
  const token = await mint(es384, { nbf: NOW_S - 10, claims: { sub: 'epic-client-id', 'x-vendor': 1 } });
  await expectCards(secureService(clientsFile).app, token);
});

test('a token within the clock skew (iat 30 s ahead, exp 30 s ago) is accepted', async () => {
  const { app } = secureService(clientsFile);
  await expectCards(app, await mint(es384, { iat: NOW_S + 30, exp: NOW_S + 330 }));
  await expectCards(app, await mint(es384, { iat: NOW_S - 300, exp: NOW_S - 30 }));
});

test('key rotation: a new kid at the JWKS URL is picked up after exactly one refresh', async () => {
  const { app } = secureService(clientsFile, { JWKS_COOLDOWN_SECONDS: '0.2' });
  const oldKey = await newSigner('ES384', 'key-2026-10');
  const newKey = await newSigner('ES384', 'key-2026-11');
  keys.jwks = jwksOf(oldKey);
  await expectCards(app, await mint(oldKey, { iss: ISS_URL }));
  expect(hosts.jwks).toBe(1);

  keys.jwks = jwksOf(oldKey, newKey); // the EHR publishes its next key
  await new Promise((resolve) => setTimeout(resolve, 250)); // past the refresh cooldown
  await expectCards(app, await mint(newKey, { iss: ISS_URL }));
  expect(hosts.jwks).toBe(2);
  await expectCards(app, await mint(newKey, { iss: ISS_URL }));
  await expectCards(app, await mint(oldKey, { iss: ISS_URL }));
  expect(hosts.jwks).toBe(2);
});

test('a flood of tokens with random kids does not make the service refetch the JWKS (cooldown)', async () => {
  const { app } = secureService(clientsFile); // default cooldown: 30 s
  await expectCards(app, await mint(es384, { iss: ISS_URL }));
  expect(hosts.jwks).toBe(1);
  const stranger = await newSigner('ES384');
  for (let i = 0; i < 20; i += 1) {
    const token = await mint(stranger, { iss: ISS_URL, header: { kid: randomUUID() } });
    const res = await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${token}`)
      .send(fetchingCall());
    expect(res.status).toBe(401);
  }
  expect(hosts.jwks).toBe(1);
});
