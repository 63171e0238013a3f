/**
 * The security review as tests: in production mode with a clients
 * file, each attack is refused (401 with nothing in the body, or 400 for a
 * FHIR server off the allow-list) and reaches neither the FHIR server nor
 * the rules. Every call asks for data that only the FHIR server has, so a
 * call that got through would show up as FHIR requests and cards; the
 * positive control at the top proves that it would.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportSPKI } from 'jose';
import request from 'supertest';
import { createLogger } from '../../src/logger.js';
import {
  BASE_URL,
  EVIL_HOST,
  EVIL_PATH,
  FHIR_BASE,
  type HostCounts,
  ISS_JKU,
  ISS_STATIC,
  ISS_TENANT,
  LogCapture,
  NOW_S,
  OTHER_FHIR_HOST,
  SERVICE_AUD,
  SERVICE_PATH,
  type Signer,
  b64,
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
let sandboxKey: Signer;
let clientsFile: string;
let hosts: HostCounts;
let logs: LogCapture;

beforeAll(async () => {
  [es384, rs384, tenantKey, sandboxKey] = await Promise.all([
    newSigner('ES384'),
    newSigner('RS384'),
    newSigner('ES384'),
    newSigner('ES384'),
  ]);
  clientsFile = writeClientsFile(standardClients([es384, rs384], tenantKey));
});

beforeEach(() => {
  hosts = mockHosts({ jwks: jwksOf(es384), jku: jwksOf(sandboxKey) });
  logs = new LogCapture();
});

function service() {
  return secureService(clientsFile, {}, createLogger('info', logs)).app;
}

async function call(authorization: string | undefined, body: Record<string, unknown> = fetchingCall()) {
  const req = request(service()).post(SERVICE_PATH).set('Content-Type', 'application/json');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(body);
}

/**
 * A 401 that says nothing, after which no FHIR request was made and no card
 * exists; the one log line names the expected reason (so each case fails for
 * the reason it claims to test).
 */
function expectRefusedSilently(res: request.Response, reason: RegExp): void {
  expect(res.status).toBe(401);
  expect(res.text).toBe('');
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(hosts.fhir).toBe(0);
  expect(hosts.otherFhir).toBe(0);
  const refusals = logs.records().filter((r) => r.msg === 'authentication refused');
  expect(refusals).toHaveLength(1);
  expect((refusals[0]?.auth as { reason: string }).reason).toMatch(reason);
}

test('positive control: a valid ES384 token gets cards, and answering needed the FHIR server', async () => {
  const res = await call(`Bearer ${await mint(es384)}`);
  expect(res.status).toBe(200);
  const cards = (res.body as { cards: { source: { topic?: { code?: string } } }[] }).cards;
  expect(cards.map((c) => c.source.topic?.code)).toContain('iron-not-optimized');
  expect(hosts.fhir).toBeGreaterThan(0);
});

describe('a call is refused with an empty 401 and never reaches the FHIR server when', () => {
  test('it carries no token', async () => {
    expectRefusedSilently(await call(undefined), /^no bearer token$/);
  });

  test('its Authorization header is not a bearer token', async () => {
    expectRefusedSilently(
      await call(`Basic ${Buffer.from('ehr:secret').toString('base64')}`),
      /not a bearer token/,
    );
  });

  test.each([
    ['not a JWT at all', 'abc'],
    ['three segments of garbage', 'abc.def.ghi'],
    ['a JSON header but no payload', `${b64({ alg: 'ES384', typ: 'JWT', kid: 'k' })}..sig`],
  ])('the token is malformed (%s)', async (_name, token) => {
    expectRefusedSilently(await call(`Bearer ${token}`), /^malformed token$/);
  });

  test('the token says alg "none" (unsigned)', async () => {
    const header = { alg: 'none', typ: 'JWT', kid: es384.kid };
    const payload = { iss: ISS_STATIC, aud: SERVICE_AUD, iat: NOW_S, exp: NOW_S + 300, jti: randomUUID() };
    expectRefusedSilently(
      await call(`Bearer ${b64(header)}.${b64(payload)}.`),
      /algorithm none is never accepted/,
    );
  });

  test('the token is HS256-signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(rs384.publicKey));
    const token = await new SignJWT({ iss: ISS_STATIC, aud: SERVICE_AUD, jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: rs384.kid })
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 300)
      .sign(secret);
    expectRefusedSilently(await call(`Bearer ${token}`), /algorithm HS256 is never accepted/);
  });

  test('an RS384 token names a kid that is not in the client JWKS', async () => {
    const stranger = await newSigner('RS384', 'kid-nobody-registered');
    expectRefusedSilently(await call(`Bearer ${await mint(stranger)}`), /no key with this kid/);
  });

  test('the signature is valid but the iss is not a configured client', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(es384, { iss: 'https://unknown-ehr.example' })}`),
      /issuer not registered/,
    );
  });

  test('the aud is another endpoint of this service (discovery)', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(es384, { aud: `${BASE_URL}/cds-services` })}`),
      /claim aud/,
    );
  });

  test('the aud is another service id', async () => {
    const aud = `${BASE_URL}/cds-services/rls-order-sign`;
    expectRefusedSilently(await call(`Bearer ${await mint(es384, { aud })}`), /claim aud/);
  });

  test('the aud is the same path on another host', async () => {
    const aud = `https://other-cds.example${SERVICE_PATH}`;
    expectRefusedSilently(await call(`Bearer ${await mint(es384, { aud })}`), /claim aud/);
  });

  test('the token expired (beyond the 60 s clock skew)', async () => {
    const token = await mint(es384, { iat: NOW_S - 600, exp: NOW_S - 61 });
    expectRefusedSilently(await call(`Bearer ${token}`), /expired \(exp\)/);
  });

  test('the iat lies in the future (beyond the clock skew)', async () => {
    const token = await mint(es384, { iat: NOW_S + 120, exp: NOW_S + 420 });
    expectRefusedSilently(await call(`Bearer ${token}`), /claim iat check_failed/);
  });

  test('the nbf lies in the future', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(es384, { nbf: NOW_S + 120 })}`),
      /claim nbf check_failed/,
    );
  });

  test('the jti is missing', async () => {
    expectRefusedSilently(await call(`Bearer ${await mint(es384, { jti: null })}`), /claim jti missing/);
  });

  test.each([
    ['exp', { exp: null }],
    ['iat', { iat: null, exp: NOW_S + 300 }],
  ] as const)('the %s claim is missing', async (claim, options) => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(es384, options)}`),
      new RegExp(`claim ${claim} missing`),
    );
  });

  test('the header has no kid', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(es384, { header: { kid: undefined } })}`),
      /no kid header/,
    );
  });

  test('the header typ is not JWT', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(es384, { header: { typ: 'at+jwt' } })}`),
      /typ header is not JWT/,
    );
  });

  test('the token lives longer than the configured maximum (exp - iat > 1 h)', async () => {
    expectRefusedSilently(await call(`Bearer ${await mint(es384, { exp: NOW_S + 7200 })}`), /lifetime/);
  });

  test('the payload was tampered with after signing', async () => {
    const [header, , signature] = (await mint(es384)).split('.');
    const forged = {
      iss: ISS_STATIC,
      aud: SERVICE_AUD,
      iat: NOW_S,
      exp: NOW_S + 300,
      jti: randomUUID(),
      admin: true,
    };
    expectRefusedSilently(await call(`Bearer ${header}.${b64(forged)}.${signature}`), /signature invalid/);
  });

  test('a token for tenant A is used with a client configured for tenant B', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(tenantKey, { iss: ISS_TENANT, tenant: 'tenant-a' })}`),
      /tenant not configured for this client/,
    );
  });

  test('a client configured with tenants sends no tenant claim', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(tenantKey, { iss: ISS_TENANT })}`),
      /no tenant claim/,
    );
  });
});

describe('replay', () => {
  test('the second use of a jti is refused with an empty 401, even for the same valid token', async () => {
    const app = service();
    const token = await mint(es384);
    const first = await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${token}`)
      .send(fetchingCall());
    expect(first.status).toBe(200);
    const fhirAfterFirst = hosts.fhir;
    const second = await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${token}`)
      .send(fetchingCall());
    expect(second.status).toBe(401);
    expect(second.text).toBe('');
    expect(hosts.fhir).toBe(fhirAfterFirst);
    const refusal = logs.records().find((r) => r.msg === 'authentication refused');
    expect(refusal?.auth).toMatchObject({ reason: 'jti replayed', iss: ISS_STATIC });
  });

  test('a jti used by a token that failed verification is not used up', async () => {
    const app = service();
    const jti = randomUUID();
    const wrongAud = await mint(es384, { jti, aud: `${BASE_URL}/cds-services` });
    await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${wrongAud}`)
      .send(fetchingCall())
      .expect(401);
    const right = await mint(es384, { jti });
    await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${right}`)
      .send(fetchingCall())
      .expect(200);
  });
});

describe('jku', () => {
  test('a jku that is not on the client allow-list is refused and never fetched', async () => {
    const token = await mint(sandboxKey, { iss: ISS_JKU, header: { jku: `${EVIL_HOST}${EVIL_PATH}` } });
    expectRefusedSilently(await call(`Bearer ${token}`), /jku not on the allow-list/);
    expect(hosts.evil).toBe(0);
    expect(hosts.jku).toBe(0);
  });

  test('a jku header on a static-JWKS client is refused and never fetched', async () => {
    const token = await mint(es384, { header: { jku: `${EVIL_HOST}${EVIL_PATH}` } });
    expectRefusedSilently(await call(`Bearer ${token}`), /jku not on the allow-list/);
    expect(hosts.evil).toBe(0);
  });

  test('a jku-only client whose token carries no jku is refused', async () => {
    expectRefusedSilently(
      await call(`Bearer ${await mint(sandboxKey, { iss: ISS_JKU })}`),
      /only jku key sources/,
    );
    expect(hosts.jku).toBe(0);
  });
});

describe('FHIR server allow-list (SSRF), answered 400 before any request', () => {
  test('a fhirServer that is not registered for the calling client is refused with a clear message', async () => {
    const res = await call(`Bearer ${await mint(es384)}`, fetchingCall(`${OTHER_FHIR_HOST}/r4`));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', expression: ['fhirServer'] }],
    });
    expect((res.body as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toMatch(
      /^fhirServer: is not one of the FHIR servers registered for this client/,
    );
    expect(hosts.otherFhir).toBe(0);
    expect(hosts.fhir).toBe(0);
  });

  test('an http fhirServer is refused in production, even on a registered host', async () => {
    const res = await call(`Bearer ${await mint(es384)}`, fetchingCall(FHIR_BASE.replace('https:', 'http:')));
    expect(res.status).toBe(400);
    expect((res.body as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toBe(
      'fhirServer: must be an https URL in production',
    );
    expect(hosts.fhir).toBe(0);
  });

  test('a registered fhirServer written with a trailing slash and upper-case host is the same server', async () => {
    const res = await call(
      `Bearer ${await mint(es384)}`,
      fetchingCall('https://FHIR.hospital-a.example/r4/'),
    );
    expect(res.status).toBe(200);
    expect(hosts.fhir).toBeGreaterThan(0);
  });
});

describe('every CDS Hooks endpoint needs a token; the preflight and health checks do not', () => {
  test('discovery without a token is an empty 401; with a token whose aud is the discovery URL it lists the services', async () => {
    const app = service();
    const refused = await request(app).get('/cds-services');
    expect(refused.status).toBe(401);
    expect(refused.text).toBe('');
    const token = await mint(es384, { aud: `${BASE_URL}/cds-services` });
    const res = await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`).expect(200);
    expect((res.body as { services: { id: string }[] }).services.map((s) => s.id)).toContain(
      'rls-patient-view',
    );
  });

  test('a service token is not accepted at discovery', async () => {
    const app = service();
    const serviceToken = await mint(es384);
    await request(app).get('/cds-services').set('Authorization', `Bearer ${serviceToken}`).expect(401);
  });

  test('feedback without a token is an empty 401; with aud = the feedback URL it is received', async () => {
    const app = service();
    const path = `${SERVICE_PATH}/feedback`;
    const body = {
      feedback: [
        {
          card: randomUUID(),
          outcome: 'accepted',
          acceptedSuggestions: [{ id: randomUUID() }],
          outcomeTimestamp: '2026-11-01T09:00:00Z',
        },
      ],
    };
    const refused = await request(app).post(path).send(body);
    expect(refused.status).toBe(401);
    expect(refused.text).toBe('');
    const wrongAud = await mint(es384);
    await request(app).post(path).set('Authorization', `Bearer ${wrongAud}`).send(body).expect(401);
    const token = await mint(es384, { aud: `${BASE_URL}${path}` });
    const res = await request(app).post(path).set('Authorization', `Bearer ${token}`).send(body).expect(200);
    expect(res.body).toMatchObject({ received: 1 });
  });

  test('the CORS preflight of a service call is answered without a token, for a configured origin only', async () => {
    const app = service();
    const ok = await request(app)
      .options(SERVICE_PATH)
      .set('Origin', 'https://ehr.hospital-a.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://ehr.hospital-a.example');
    expect(ok.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await request(app)
      .options(SERVICE_PATH)
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('/healthz answers without a token', async () => {
    const res = await request(service()).get('/healthz').expect(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });
});
