/**
 * Every URL the service requests lies under the registered fhirServer base:
 * next links in EHR-supplied prefetch, next links in pages the service
 * fetched, and medicationReference reads. Anything else is never requested,
 * the key is flagged partial ("foreign-link"), and nothing in the answer
 * tells what is (or is not) listening at the other address. Real sockets on
 * loopback, authentication on, outside production so that http is allowed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, MedicationRequest } from 'fhir/r4.js';
import request from 'supertest';
import { urlUnderBase } from '../../src/fhir/url-guard.js';
import { createLogger } from '../../src/logger.js';
import { BASE_URL, FIXTURES_DIR, fixtureStore } from '../helpers/app.js';
import {
  type MisbehavingFhir,
  paging,
  startMisbehavingFhir,
  status,
} from '../resilience/misbehaving-fhir.js';
import {
  ISS_STATIC,
  LogCapture,
  PATIENT_ID,
  type Signer,
  mint,
  newSigner,
  secureService,
  writeClientsFile,
} from './helpers.js';

const ACCESS_TOKEN = 'fhir-access-token-for-the-registered-server-only';

let signer: Signer;
let fhir: MisbehavingFhir;
/** A server on another port of the same host: it must never be asked anything. */
let other: { server: Server; origin: string; hits: { url: string; auth?: string }[] };
let closedPort: number;

beforeAll(async () => {
  signer = await newSigner('ES384');
  fhir = await startMisbehavingFhir(fixtureStore());
  const hits: { url: string; auth?: string }[] = [];
  const server = createServer((req, res) => {
    hits.push({
      url: req.url ?? '',
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
    });
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset' }));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  other = { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
  // A port that was just free: nothing listens there.
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await fhir.close();
  other.server.closeAllConnections();
  await new Promise((resolve) => other.server.close(resolve));
});

beforeEach(() => {
  fhir.behaviours.clear();
  fhir.seen.length = 0;
  other.hits.length = 0;
});

/** The fhir server's origin (scheme, host and port) and base path. */
function origin(): string {
  return new URL(fhir.base).origin;
}

function service() {
  const logs = new LogCapture();
  const clientsFile = writeClientsFile([
    { iss: ISS_STATIC, jwks: { keys: [signer.publicJwk] }, fhirServers: [fhir.base] },
  ]);
  const { app } = secureService(
    clientsFile,
    { NODE_ENV: 'test', CORS_ORIGINS: '*' },
    createLogger('info', logs),
  );
  return { app, logs };
}

type Body = Record<string, unknown> & { prefetch: Record<string, Bundle> };

function fixture(): Body {
  const body = JSON.parse(
    readFileSync(`${FIXTURES_DIR}requests/rls-low-ferritin--patient-view.json`, 'utf8'),
  ) as Body;
  return {
    ...body,
    hookInstance: randomUUID(),
    fhirServer: fhir.base,
    fhirAuthorization: {
      access_token: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/*.read',
    },
  };
}

async function call(body: object) {
  const { app, logs } = service();
  const token = await mint(signer, { aud: `${BASE_URL}/cds-services/rls-patient-view` });
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .set('Authorization', `Bearer ${token}`)
    .send(body);
  const line = logs
    .records()
    .find((r) => r.msg === 'hook call' || r.msg === 'hook call: required data missing');
  return { res, partial: line?.partial as { key: string; reason: string }[] | undefined };
}

/** The body with card uuids blanked, for comparing two answers. */
function comparable(text: string): string {
  return text.replace(/"uuid":"[0-9a-f-]{36}"/g, '"uuid":"-"');
}

describe('urlUnderBase, the one check', () => {
  const base = 'https://fhir.hospital-a.example/r4';
  test.each([
    ['a relative query', 'Condition?patient=p1', 'https://fhir.hospital-a.example/r4/Condition?patient=p1'],
    ['an absolute next link', `${base}/Observation?page=2`, `${base}/Observation?page=2`],
    [
      'the default port written out',
      'https://fhir.hospital-a.example:443/r4/Medication/x1',
      `${base}/Medication/x1`,
    ],
    ['an upper-case host', 'https://FHIR.Hospital-A.example/r4/Medication/x1', `${base}/Medication/x1`],
    ['a fragment (dropped)', `${base}/Medication/x1#top`, `${base}/Medication/x1`],
  ])('accepts %s', (_name, candidate, expected) => {
    expect(urlUnderBase(candidate, base)).toBe(expected);
  });
  test.each([
    ['another host', 'https://attacker.example/r4/Observation'],
    ['plain http', 'http://fhir.hospital-a.example/r4/Observation'],
    ['another port', 'https://fhir.hospital-a.example:8443/r4/Observation'],
    ['a path outside the base', 'https://fhir.hospital-a.example/internal-admin/Medication/x1'],
    ['a sibling path sharing the prefix', 'https://fhir.hospital-a.example/r4-admin/Medication/x1'],
    ['the base itself without a slash', 'https://fhir.hospital-a.example/r4'],
    ['a ".." segment', `${base}/../internal-admin/Medication/x1`],
    ['a "." segment', `${base}/./Medication/x1`],
    ['an encoded ".." segment', `${base}/%2e%2e/internal-admin/Medication/x1`],
    ['a half-encoded ".." segment', `${base}/.%2E/internal-admin/Medication/x1`],
    ['an encoded slash', `${base}/Medication%2f..%2fx`],
    ['a backslash', `${base}\\..\\internal\\x`],
    ['credentials', 'https://user:pw@fhir.hospital-a.example/r4/Observation'],
    ['a protocol-relative link', '//attacker.example/r4/Observation'],
    ['an absolute path on the host', '/internal-admin/Medication/x1'],
    ['another scheme', 'file:///etc/passwd'],
    ['a URL with a newline', `${base}/Obs\nervation`],
    ['a URL longer than 2048 characters', `${base}/Observation?x=${'a'.repeat(2048)}`],
  ])('refuses %s', (_name, candidate) => {
    expect(urlUnderBase(candidate, base)).toBeUndefined();
  });
  test('a base at the root of its host accepts any path on that host, and nothing elsewhere', () => {
    expect(urlUnderBase('https://h.example/Patient/1', 'https://h.example')).toBe(
      'https://h.example/Patient/1',
    );
    expect(urlUnderBase('https://h.example.evil/Patient/1', 'https://h.example')).toBeUndefined();
  });
});

describe('next links in prefetch', () => {
  const foreign = (): [string, string][] => [
    ['another host (a port on loopback)', `${other.origin}/fhir/Observation?page=2`],
    ['the same host over https', `${origin().replace('http:', 'https:')}/fhir/Observation?page=2`],
    ['a path outside the base', `${origin()}/internal-admin/Observation?page=2`],
    ['a ".." escape', `${fhir.base}/../internal-admin/Observation?page=2`],
    ['an encoded ".." escape', `${fhir.base}/%2e%2e/internal-admin/Observation?page=2`],
    ['a sibling path sharing the prefix', `${origin()}/fhir-admin/Observation?page=2`],
  ];

  test('a next link outside the registered FHIR base is never requested: the key is partial (foreign-link) and the cards come from what was sent', async () => {
    for (const [name, next] of foreign()) {
      const body = fixture();
      body.prefetch.ironStudies = {
        ...body.prefetch.ironStudies,
        link: [{ relation: 'next', url: next }],
      } as Bundle;
      const { res, partial } = await call(body);
      expect([name, res.status]).toEqual([name, 200]);
      expect([name, partial]).toEqual([name, [{ key: 'ironStudies', reason: 'foreign-link' }]]);
      expect([name, fhir.seen]).toEqual([name, []]);
      expect([name, other.hits]).toEqual([name, []]);
      expect(res.text).not.toContain('internal-admin');
      // The low ferritin that was prefetched still gives its card.
      expect(res.text).toContain('iron-not-optimized');
    }
  });

  test('(control) a next link under the base is followed', async () => {
    fhir.behaviours.set(
      'Observation',
      paging(() => ''),
    );
    const body = fixture();
    body.prefetch.ironStudies = {
      ...body.prefetch.ironStudies,
      link: [{ relation: 'next', url: `${fhir.base}/Observation?patient=${PATIENT_ID}&page=2` }],
    } as Bundle;
    const { res, partial } = await call(body);
    expect(res.status).toBe(200);
    expect(partial).toBeUndefined();
    expect(fhir.seen).toEqual([`/fhir/Observation?patient=${PATIENT_ID}&page=2`]);
  });

  test('a next page under the base that fails: what was prefetched is kept, and the key is partial (error)', async () => {
    fhir.behaviours.set('Observation', status(500));
    const body = fixture();
    body.prefetch.ironStudies = {
      ...body.prefetch.ironStudies,
      link: [{ relation: 'next', url: `${fhir.base}/Observation?patient=${PATIENT_ID}&page=2` }],
    } as Bundle;
    const { res, partial } = await call(body);
    expect(res.status).toBe(200);
    expect(partial).toEqual([{ key: 'ironStudies', reason: 'error' }]);
    expect(res.text).toContain('iron-not-optimized');
  });

  test('an open port and a closed port elsewhere give the same answer: nothing is requested from either', async () => {
    const answer = async (port: number) => {
      const body = fixture();
      body.hookInstance = 'same-hook-instance';
      body.prefetch.conditions = {
        ...body.prefetch.conditions,
        link: [{ relation: 'next', url: `http://127.0.0.1:${port}/fhir/Condition?page=2` }],
      } as Bundle;
      const { res } = await call(body);
      return { status: res.status, body: comparable(res.text) };
    };
    const open = await answer(Number(new URL(other.origin).port));
    const closed = await answer(closedPort);
    expect(open).toEqual(closed);
    expect(open.status).toBe(200);
    expect(open.body).not.toContain(String(closedPort));
    expect(open.body).not.toMatch(/ECONNREFUSED|network error|127\.0\.0\.1/);
    expect(other.hits).toEqual([]);
  });
});

test('a next link in a page the service fetched, pointing outside the base, is not followed (partial), and the token goes nowhere else', async () => {
  fhir.behaviours.set(
    'Observation',
    paging(() => `${fhir.base}/../internal-admin/Observation?page=2`),
  );
  const body = fixture();
  delete (body.prefetch as Partial<Body['prefetch']>).ironStudies;
  const { res, partial } = await call(body);
  expect(res.status).toBe(200);
  expect(partial).toEqual([{ key: 'ironStudies', reason: 'foreign-link' }]);
  expect(fhir.seen).toHaveLength(1);
  expect(fhir.seen[0]).toMatch(/^\/fhir\/Observation\?patient=rls-low-ferritin&code=/);
  expect(other.hits).toEqual([]);
});

describe('medicationReference reads', () => {
  function withReference(reference: string): Body {
    const body = fixture();
    const orders = body.prefetch.medicationRequests as Bundle<MedicationRequest>;
    const first = orders.entry?.[0]?.resource as MedicationRequest;
    const { medicationCodeableConcept: _concept, ...rest } = first;
    orders.entry = [
      ...(orders.entry ?? []),
      { resource: { ...rest, id: 'by-reference', medicationReference: { reference } } },
    ];
    return body;
  }

  test.each([
    ['a ".." escape', () => `${fhir.base}/../internal-admin/Medication/x1`],
    ['an encoded ".." escape', () => `${fhir.base}/%2E%2E/internal-admin/Medication/x1`],
    ['a path outside the base', () => `${origin()}/internal-admin/Medication/x1`],
    ['another host', () => `${other.origin}/fhir/Medication/x1`],
    ['a reference that is not a Medication', () => `${fhir.base}/Patient/someone-else`],
  ])('%s is never read', async (_name, reference) => {
    const { res } = await call(withReference(reference()));
    expect(res.status).toBe(200);
    expect(fhir.seen).toEqual([]);
    expect(other.hits).toEqual([]);
  });

  test('(control) a relative Medication reference is read from the FHIR server, under its base', async () => {
    const { res } = await call(withReference('Medication/x1'));
    expect(res.status).toBe(200);
    expect(fhir.seen).toEqual(['/fhir/Medication/x1']);
  });
});
