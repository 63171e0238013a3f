/**
 * Over real sockets on loopback (no nock): the JWKS fetch through the
 * service's size-limited dispatcher, and the FHIR client's limits: a
 * redirect is not followed (so a FHIR server cannot bounce the service, and
 * the bearer token, to another host) and an oversized response is cut off.
 * Outside production, so that plain http on 127.0.0.1 is allowed.
 */
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { patientViewRequest } from '../../scripts/fixtures/requests.js';
import { queryStore } from '../../src/demo/search.js';
import { fixtureStore, testApp } from '../helpers/app.js';
import {
  PATIENT_ID,
  SERVICE_PATH,
  type Signer,
  fetchingCall,
  jwksOf,
  mint,
  newSigner,
  secureService,
  writeClientsFile,
} from './helpers.js';

interface Loopback {
  readonly server: Server;
  readonly url: string;
  readonly hits: string[];
}

async function listen(handler: (path: string, res: ServerResponse) => void): Promise<Loopback> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const store = fixtureStore();
let es384: Signer;
let jwksHost: Loopback;
let fhir: Loopback;
let elsewhere: Loopback;
let bigFhir: Loopback;

beforeAll(async () => {
  es384 = await newSigner('ES384');
  jwksHost = await listen((_path, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwksOf(es384)));
  });
  fhir = await listen((path, res) => {
    const result = queryStore(store, path.replace(/^\/fhir\//, ''));
    res.writeHead(result ? 200 : 404, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(result ?? {}));
  });
  elsewhere = await listen((_path, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset' }));
  });
  bigFhir = await listen((path, res) => {
    if (path.startsWith('/fhir/Condition')) {
      // A redirect to another host for the conditions (required for patient-view).
      res.writeHead(302, { location: `${elsewhere.url}/fhir${path.slice(5)}` });
      res.end();
      return;
    }
    // An endless-looking answer: 64 KiB of Bundle, sent in chunks.
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    const entry = JSON.stringify({ resource: { resourceType: 'Observation', id: 'x', status: 'final' } });
    res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
    res.end(`${Array.from({ length: 1000 }, () => entry).join(',')}]}`);
  });
});

afterAll(async () => {
  await Promise.all(
    [jwksHost, fhir, elsewhere, bigFhir].map((l) => new Promise((resolve) => l.server.close(resolve))),
  );
});

test('a token is verified with keys fetched over HTTP from the JWKS URL, and the FHIR fallback then answers', async () => {
  const clientsFile = writeClientsFile([
    { iss: 'https://ehr.loopback', jwksUrl: `${jwksHost.url}/jwks`, fhirServers: [`${fhir.url}/fhir`] },
  ]);
  const { app } = secureService(clientsFile, { NODE_ENV: 'test', CORS_ORIGINS: '*' });
  const token = await mint(es384, { iss: 'https://ehr.loopback' });
  const res = await request(app)
    .post(SERVICE_PATH)
    .set('Authorization', `Bearer ${token}`)
    .send(fetchingCall(`${fhir.url}/fhir`));
  expect(res.status).toBe(200);
  expect(
    (res.body as { cards: { source: { topic?: { code?: string } } }[] }).cards.map(
      (c) => c.source.topic?.code,
    ),
  ).toContain('iron-not-optimized');
  expect(jwksHost.hits).toEqual(['/jwks']);
  expect(fhir.hits.length).toBeGreaterThan(0);
});

test('a FHIR server redirect to another host is not followed: the key is reported missing (412)', async () => {
  const app = testApp({ FHIR_MAX_RESPONSE_BYTES: String(10 * 1024 * 1024) });
  const { prefetch: _p, ...call } = patientViewRequest(store, PATIENT_ID);
  const res = await request(app)
    .post(SERVICE_PATH)
    .send({ ...call, fhirServer: `${bigFhir.url}/fhir` });
  expect(res.status).toBe(412);
  const diagnostics = (res.body as { issue: { diagnostics: string }[] }).issue
    .map((i) => i.diagnostics)
    .join('\n');
  expect(diagnostics).toMatch(/"conditions".*redirect not followed \(HTTP 302\)/);
  expect(elsewhere.hits).toEqual([]);
});

test('a FHIR response larger than FHIR_MAX_RESPONSE_BYTES is cut off and reported, not read whole', async () => {
  const app = testApp({ FHIR_MAX_RESPONSE_BYTES: '4096' });
  const { prefetch, ...call } = patientViewRequest(store, PATIENT_ID);
  const { ironStudies: _iron, ...rest } = prefetch as Record<string, unknown>;
  const res = await request(app)
    .post(SERVICE_PATH)
    .send({ ...call, prefetch: rest, fhirServer: `${bigFhir.url}/fhir` });
  expect(res.status).toBe(412);
  const diagnostics = (res.body as { issue: { diagnostics: string }[] }).issue
    .map((i) => i.diagnostics)
    .join('\n');
  expect(diagnostics).toMatch(/"ironStudies".*FHIR server: response too large/);
});

test('the same oversized response is read when the limit allows it (control)', async () => {
  const app = testApp({ FHIR_MAX_RESPONSE_BYTES: String(1024 * 1024) });
  const { prefetch, ...call } = patientViewRequest(store, PATIENT_ID);
  const { ironStudies: _iron, ...rest } = prefetch as Record<string, unknown>;
  const res = await request(app)
    .post(SERVICE_PATH)
    .send({ ...call, prefetch: rest, fhirServer: `${bigFhir.url}/fhir` });
  expect(res.status).toBe(200);
});
