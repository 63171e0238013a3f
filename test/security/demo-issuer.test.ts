/**
 * The demo issuer (CDS_DEMO_ISSUER): over real HTTP on loopback, with a
 * clients file and the demo issuer on, a token from POST /demo/api/jwt lets
 * the EHR simulator's patient-view through (the service then reads its own
 * demo FHIR server), once only; tokens are issued for this service's
 * endpoints only, and only name the demo FHIR server. In production the
 * route does not exist and start-up refuses the setting.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { authFromConfig } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import {
  DEMO_ISSUER_PATH,
  DEMO_TOKEN_LIFETIME_SECONDS,
  type DemoIssuer,
  createDemoIssuer,
} from '../../src/demo/issuer.js';
import { fixtureStore, templates, testApp } from '../helpers/app.js';
import {
  BASE_URL,
  FHIR_BASE,
  NOW,
  NOW_S,
  type Signer,
  fetchingCall,
  newSigner,
  standardClients,
  writeClientsFile,
  PATIENT_KEY_SECRET,
} from './helpers.js';

const SERVICE = '/cds-services/rls-patient-view';

let signer: Signer;
let clientsFile: string;
let server: Server;
let base: string;
let issuer: DemoIssuer;

beforeAll(async () => {
  signer = await newSigner('ES384');
  clientsFile = writeClientsFile(standardClients([signer], signer));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = await createDemoIssuer({ publicUrl: base, production: false });
  const app = testApp(
    { CDS_PUBLIC_URL: base, DEMO_FHIR: 'true', CDS_CLIENTS_FILE: clientsFile, CDS_DEMO_ISSUER: 'true' },
    fixtureStore(),
    NOW,
    { demoIssuer: issuer },
  );
  server.on('request', app);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/** POST /demo/api/jwt for `aud`, as the simulator page asks. */
function askToken(body: unknown): Promise<Response> {
  return fetch(`${base}/demo/api/jwt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function tokenFor(path: string): Promise<string> {
  const res = await askToken({ aud: `${base}${path}` });
  expect(res.status).toBe(200);
  const { token } = (await res.json()) as { token: string };
  return token;
}

/** A patient-view call without prefetch, as the simulator would send it to this service. */
function callService(token: string | undefined, fhirServer = `${base}/demo/fhir`): Promise<Response> {
  return fetch(`${base}${SERVICE}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(fetchingCall(fhirServer)),
  });
}

type CardsBody = { cards: { source: { topic?: { code?: string } } }[] };

describe('with a clients file and the demo issuer on', () => {
  test('the session tells the page to sign, and where audiences start', async () => {
    const res = await fetch(`${base}/demo/api/session`);
    expect(await res.json()).toMatchObject({ jwt: true, publicUrl: base, fhirServer: `${base}/demo/fhir` });
  });

  test('a token from /demo/api/jwt lets patient-view return cards; the same token again is refused', async () => {
    const token = await tokenFor(SERVICE);
    const first = await callService(token);
    expect(first.status).toBe(200);
    const body = (await first.json()) as CardsBody;
    expect(body.cards.map((c) => c.source.topic?.code)).toContain('iron-not-optimized');

    const replay = await callService(token);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe('');
  });

  test('tokens are CDS Hooks 2.0 JWTs: ES384, typ JWT, kid, this audience, a fresh jti, 5 minutes', async () => {
    const [a, b] = await Promise.all([tokenFor(SERVICE), tokenFor(SERVICE)]);
    expect(decodeProtectedHeader(a)).toEqual({ alg: 'ES384', typ: 'JWT', kid: issuer.kid });
    const claims = decodeJwt(a);
    expect(claims).toMatchObject({ iss: `${base}${DEMO_ISSUER_PATH}`, aud: `${base}${SERVICE}`, iat: NOW_S });
    expect(claims.exp).toBe(NOW_S + DEMO_TOKEN_LIFETIME_SECONDS);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeJwt(b).jti).not.toBe(claims.jti);
  });

  test('discovery needs a token and takes one for its own URL only', async () => {
    expect((await fetch(`${base}/cds-services`)).status).toBe(401);
    const ok = await fetch(`${base}/cds-services`, {
      headers: { Authorization: `Bearer ${await tokenFor('/cds-services')}` },
    });
    expect(ok.status).toBe(200);
    // A discovery token is no good for a service call, and no token at all neither.
    expect((await callService(await tokenFor('/cds-services'))).status).toBe(401);
    expect((await callService(undefined)).status).toBe(401);
  });

  test('a token for a feedback URL is issued', async () => {
    const token = await tokenFor(`${SERVICE}/feedback`);
    expect(decodeJwt(token).aud).toBe(`${base}${SERVICE}/feedback`);
  });

  test.each([
    ['another host', { aud: `https://attacker.example${SERVICE}` }],
    ['another base URL', { aud: `${BASE_URL}${SERVICE}` }],
    ['the demo FHIR server', { aud: `${base}/demo/fhir` }],
    ['an unknown service', { aud: `${base}/cds-services/no-such-service` }],
    ['a trailing slash', { aud: `${base}${SERVICE}/` }],
    ['the service root', { aud: base }],
    ['no aud', {}],
    ['an aud that is not a string', { aud: [`${base}${SERVICE}`] }],
  ])('an aud outside the service is refused with 400: %s', async (_name, body) => {
    const res = await askToken(body);
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as { issue: { expression?: string[] }[] };
    expect(outcome.issue[0]?.expression).toEqual(['aud']);
  });

  test('its tokens only name the demo FHIR server: another fhirServer is refused', async () => {
    const res = await callService(await tokenFor(SERVICE), FHIR_BASE);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(
      'not one of the FHIR servers registered for this client',
    );
  });

  test('a clients file that already lists the demo issuer iss stops start-up', () => {
    const clash = writeClientsFile([
      { iss: issuer.iss, jwks: { keys: [signer.publicJwk] }, fhirServers: [] },
    ]);
    const config = loadConfig({ CDS_PUBLIC_URL: base, CDS_CLIENTS_FILE: clash, CDS_DEMO_ISSUER: 'true' });
    expect(() => authFromConfig(config, pino({ level: 'silent' }), undefined, [issuer.client])).toThrow(
      /reserved for the demo issuer/,
    );
  });
});

describe('without the demo issuer', () => {
  test('the route does not exist and the page does not sign', async () => {
    const app = testApp({ DEMO_FHIR: 'true', CDS_CLIENTS_FILE: clientsFile }, fixtureStore());
    expect(
      (
        await request(app)
          .post('/demo/api/jwt')
          .send({ aud: `${BASE_URL}${SERVICE}` })
      ).status,
    ).toBe(404);
    expect((await request(app).get('/demo/api/session')).body).toMatchObject({ jwt: false });
  });

  test('CDS_DEMO_ISSUER needs the demo', () => {
    expect(() => loadConfig({ DEMO_FHIR: 'false', CDS_DEMO_ISSUER: 'true' })).toThrow(
      /CDS_DEMO_ISSUER: needs the demo \(DEMO_FHIR\)/,
    );
    expect(loadConfig({}).demoIssuer).toBe(false);
    expect(() => loadConfig({ CDS_DEMO_ISSUER: 'yes' })).toThrow(/CDS_DEMO_ISSUER/);
  });
});

describe('in production', () => {
  const production = (extra: Record<string, string> = {}) =>
    loadConfig({
      NODE_ENV: 'production',
      CDS_PUBLIC_URL: BASE_URL,
      CDS_CLIENTS_FILE: clientsFile,
      CDS_PATIENT_KEY_SECRET: PATIENT_KEY_SECRET,
      ...extra,
    });

  test('loadConfig refuses CDS_DEMO_ISSUER=true, naming the variable', () => {
    expect(() => production({ CDS_DEMO_ISSUER: 'true' })).toThrow(
      /CDS_DEMO_ISSUER: not allowed in production/,
    );
    expect(production({ CDS_DEMO_ISSUER: 'false' }).demoIssuer).toBe(false);
  });

  test('the route does not exist, and the demo itself cannot be turned on', async () => {
    const config = production();
    const logger = pino({ level: 'silent' });
    const auth = authFromConfig(config, logger, () => NOW)!;
    const app = createApp({ config, logger, templates, auth, demoStore: fixtureStore(), now: () => NOW });
    expect((await request(app).get('/demo/api/session')).status).toBe(404);
    const res = await request(app)
      .post('/demo/api/jwt')
      .send({ aud: `${BASE_URL}${SERVICE}` });
    expect(res.status).toBe(404);
    expect(() => production({ DEMO_FHIR: 'true' })).toThrow(/DEMO_FHIR: not allowed in production/);
    expect(() =>
      createApp({ config: { ...config, demoFhir: true }, logger, templates, auth, now: () => NOW }),
    ).toThrow(/refusing to start in production with the demo FHIR server/);
    // Nor can code build a demo issuer or hand one to the app there.
    await expect(createDemoIssuer(config)).rejects.toThrow(/never available in production/);
    expect(() => createApp({ config, logger, templates, auth, demoIssuer: issuer })).toThrow(
      /refusing to start in production with the demo issuer/,
    );
  });
});
