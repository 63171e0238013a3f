/**
 * PHI and secrets hygiene: the logs of a full run (accepted calls with a FHIR
 * access token, refused tokens, a refused FHIR server, a FHIR failure,
 * feedback) never contain a JWT, the FHIR access token, the patient id or
 * the patient's name; error bodies neither. Plus security headers and the
 * request body limit.
 */
import { randomUUID } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import { createLogger } from '../../src/logger.js';
import {
  BASE_URL,
  FHIR_HOST,
  type HostCounts,
  LogCapture,
  OTHER_FHIR_HOST,
  PATIENT_ID,
  PATIENT_NAMES,
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

const ACCESS_TOKEN = 'fhir-access-token-3b9d5c1e7a';

let es384: Signer;
let clientsFile: string;
let hosts: HostCounts;

beforeAll(async () => {
  es384 = await newSigner('ES384');
  clientsFile = writeClientsFile(standardClients([es384], await newSigner('ES384')));
});

beforeEach(() => {
  hosts = mockHosts({ jwks: jwksOf(es384), jku: jwksOf(es384) });
});

test('the logs of a full run contain no JWT, no FHIR access token, no patient id and no patient name', async () => {
  const logs = new LogCapture();
  const { app } = secureService(clientsFile, { LOG_LEVEL: 'trace' }, createLogger('trace', logs));
  const jwts: string[] = [];
  const errorBodies: string[] = [];
  const send = async (token: string, body: Record<string, unknown>, path = SERVICE_PATH) => {
    jwts.push(token);
    const res = await request(app).post(path).set('Authorization', `Bearer ${token}`).send(body);
    if (res.status >= 400) errorBodies.push(res.text);
    return res;
  };

  // Accepted, with the FHIR access token reaching the FHIR server.
  const ok = await send(await mint(es384), fetchingCall(undefined, ACCESS_TOKEN));
  expect(ok.status).toBe(200);
  expect(hosts.fhirAuth.length).toBeGreaterThan(0);
  expect(hosts.fhirAuth.every((a) => a === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
  // Refused tokens: wrong audience, replay, tampered.
  expect((await send(await mint(es384, { aud: `${BASE_URL}/cds-services` }), fetchingCall())).status).toBe(
    401,
  );
  const once = await mint(es384);
  await send(once, fetchingCall(undefined, ACCESS_TOKEN));
  expect((await send(once, fetchingCall(undefined, ACCESS_TOKEN))).status).toBe(401);
  expect((await send(`${once.slice(0, -4)}AAAA`, fetchingCall())).status).toBe(401);
  // A FHIR server off the allow-list (400), with the access token in the body.
  expect((await send(await mint(es384), fetchingCall(`${OTHER_FHIR_HOST}/r4`, ACCESS_TOKEN))).status).toBe(
    400,
  );
  // A failing FHIR server (412), with the access token.
  nock.cleanAll();
  nock(FHIR_HOST).persist().get(/.*/).reply(500, { resourceType: 'OperationOutcome', issue: [] });
  expect((await send(await mint(es384), fetchingCall(undefined, ACCESS_TOKEN))).status).toBe(412);
  // Feedback.
  const feedbackPath = `${SERVICE_PATH}/feedback`;
  const feedback = {
    feedback: [{ card: randomUUID(), outcome: 'overridden', outcomeTimestamp: '2026-11-01T09:00:00Z' }],
  };
  expect(
    (await send(await mint(es384, { aud: `${BASE_URL}${feedbackPath}` }), feedback, feedbackPath)).status,
  ).toBe(200);

  // The logs say what happened (so the search below searched something)...
  const records = logs.records();
  expect(
    records
      .filter((r) => r.msg === 'authentication refused')
      .map((r) => (r.auth as { reason: string }).reason),
  ).toEqual(expect.arrayContaining(['claim aud check_failed', 'jti replayed', 'signature invalid']));
  expect(logs.text.length).toBeGreaterThan(500);
  // ...and contain none of the secrets or identifiers.
  const forbidden = [
    ...jwts,
    ...jwts.map((t) => t.split('.')[2] ?? ''),
    ACCESS_TOKEN,
    PATIENT_ID,
    ...PATIENT_NAMES,
  ];
  for (const secret of forbidden) {
    expect(logs.text).not.toContain(secret);
    for (const body of errorBodies) expect(body).not.toContain(secret);
  }
  expect(errorBodies.length).toBeGreaterThanOrEqual(5);
});

test('API responses carry security headers (nosniff, HSTS, a deny-all CSP, no X-Powered-By)', async () => {
  const { app } = secureService(clientsFile);
  const res = await request(app)
    .get('/cds-services')
    .set('Authorization', `Bearer ${await mint(es384, { aud: `${BASE_URL}/cds-services` })}`)
    .expect(200);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(res.headers['x-powered-by']).toBeUndefined();
});

test('a request body above MAX_REQUEST_BYTES gets 413 with an OperationOutcome, and no FHIR request', async () => {
  const { app } = secureService(clientsFile, { MAX_REQUEST_BYTES: '4096' });
  const body = { ...fetchingCall(), padding: 'x'.repeat(8000) };
  const res = await request(app)
    .post(SERVICE_PATH)
    .set('Authorization', `Bearer ${await mint(es384)}`)
    .send(body);
  expect(res.status).toBe(413);
  expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
  expect(hosts.fhir).toBe(0);
});

test('an unauthenticated large body is refused with 401 before it is read', async () => {
  const { app } = secureService(clientsFile, { MAX_REQUEST_BYTES: '4096' });
  const res = await request(app)
    .post(SERVICE_PATH)
    .send({ ...fetchingCall(), padding: 'x'.repeat(8000) });
  expect(res.status).toBe(401);
  expect(res.text).toBe('');
});
