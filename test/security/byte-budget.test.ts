/**
 * One hook call may read at most FHIR_CALL_MAX_BYTES from the FHIR server,
 * all its queries and pages together. Past it, the response that went over
 * is aborted, no further request is made, and the keys are flagged partial
 * ("byte-budget"); a required key of which nothing at all could be read is
 * missing (412), never taken as "no data". A loopback server sends pages of
 * about 30 kB with endless next links.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { BASE_URL, FIXTURES_DIR, fixtureStore } from '../helpers/app.js';
import { type MisbehavingFhir, startMisbehavingFhir } from '../resilience/misbehaving-fhir.js';
import {
  ISS_STATIC,
  LogCapture,
  type Signer,
  mint,
  newSigner,
  secureService,
  writeClientsFile,
} from './helpers.js';

const PAGE_BYTES = 30_000;
const BUDGET = 64 * 1024;
const MAX_PAGES = 10;

let signer: Signer;
let fhir: MisbehavingFhir;
/** Bytes the server wrote, per resource type. */
const written = new Map<string, number>();

/** A searchset page of ~30 kB (padding in a Basic resource) whose next link is the next page, forever. */
function endlessPages(type: string) {
  return (req: { url?: string }, res: ServerResponse, base: string): void => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 0);
    const body = JSON.stringify({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'next', url: `${base}/${type}?patient=rls-low-ferritin&page=${page + 1}` }],
      entry: [
        { resource: { resourceType: 'Basic', id: `pad-${page}`, code: { text: 'x'.repeat(PAGE_BYTES) } } },
      ],
    });
    written.set(type, (written.get(type) ?? 0) + body.length);
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(body);
  };
}

beforeAll(async () => {
  signer = await newSigner('ES384');
  fhir = await startMisbehavingFhir(fixtureStore());
});

afterAll(async () => {
  await fhir.close();
});

beforeEach(() => {
  fhir.behaviours.clear();
  fhir.seen.length = 0;
  written.clear();
});

type Body = Record<string, unknown> & { prefetch: Record<string, unknown> };

async function call(keysToFetch: readonly string[], budget: number) {
  const logs = new LogCapture();
  const clientsFile = writeClientsFile([
    { iss: ISS_STATIC, jwks: { keys: [signer.publicJwk] }, fhirServers: [fhir.base] },
  ]);
  const { app } = secureService(
    clientsFile,
    {
      NODE_ENV: 'test',
      CORS_ORIGINS: '*',
      FHIR_CALL_MAX_BYTES: String(budget),
      FHIR_MAX_PAGES: String(MAX_PAGES),
      FHIR_TIMEOUT_MS: '5000',
    },
    createLogger('info', logs),
  );
  const body = JSON.parse(
    readFileSync(`${FIXTURES_DIR}requests/rls-low-ferritin--patient-view.json`, 'utf8'),
  ) as Body;
  for (const key of keysToFetch) delete body.prefetch[key];
  const token = await mint(signer, { aud: `${BASE_URL}/cds-services/rls-patient-view` });
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .set('Authorization', `Bearer ${token}`)
    .send({ ...body, hookInstance: randomUUID(), fhirServer: fhir.base });
  const line = logs.records().find((r) => typeof r.msg === 'string' && r.msg.startsWith('hook call'));
  return { res, line };
}

function requestsFor(type: string): number {
  return fhir.seen.filter((p) => p.startsWith(`/fhir/${type}`)).length;
}

test('the default budget is a setting, well under the 512Mi container limit', () => {
  const config = loadConfig({ NODE_ENV: 'test' });
  expect(config.fhirCallMaxBytes).toBe(32 * 1024 * 1024);
  expect(config.fhirCallMaxBytes).toBeLessThan(512 * 1024 * 1024 * 0.1);
  expect(() => loadConfig({ NODE_ENV: 'test', FHIR_CALL_MAX_BYTES: '1000' })).toThrow(/FHIR_CALL_MAX_BYTES/);
});

test('(control) with a large budget, an endless paging query is cut only by FHIR_MAX_PAGES', async () => {
  fhir.behaviours.set('Procedure', endlessPages('Procedure'));
  const { res, line } = await call(['procedures'], 64 * 1024 * 1024);
  expect(res.status).toBe(200);
  expect(requestsFor('Procedure')).toBe(MAX_PAGES);
  expect(line?.partial).toEqual([{ key: 'procedures', reason: 'page-limit' }]);
});

test('past the budget, fetching stops: the pages read are kept and the key is partial (byte-budget)', async () => {
  fhir.behaviours.set('Procedure', endlessPages('Procedure'));
  const { res, line } = await call(['procedures'], BUDGET);
  expect(res.status).toBe(200);
  // Two pages fit in 64 KiB; the third goes over and is aborted; there is no fourth.
  expect(requestsFor('Procedure')).toBe(3);
  expect(line?.partial).toEqual([{ key: 'procedures', reason: 'byte-budget' }]);
});

test('eight parallel endless queries stay within the budget plus one page each, and required keys with nothing read are missing (412)', async () => {
  const types = [
    'Patient',
    'Condition',
    'Observation',
    'MedicationRequest',
    'MedicationStatement',
    'Procedure',
    'DeviceUseStatement',
  ];
  for (const type of types) fhir.behaviours.set(type, endlessPages(type));
  const { res } = await call(
    [
      'patient',
      'conditions',
      'ironStudies',
      'rlsAssessments',
      'medicationRequests',
      'medicationStatements',
      'procedures',
      'deviceUseStatements',
    ],
    BUDGET,
  );
  const total = fhir.seen.length;
  // Without the budget: 7 searches × 10 pages plus a read. With it: the first wave, then nothing.
  expect(total).toBeLessThanOrEqual(8 + 3);
  const bytes = [...written.values()].reduce((a, b) => a + b, 0);
  expect(bytes).toBeLessThan(BUDGET + 9 * (PAGE_BYTES + 1000));
  if (res.status === 412) {
    const issues = (res.body as { issue: { diagnostics: string }[] }).issue;
    for (const issue of issues)
      expect(issue.diagnostics).toMatch(/budget of this call was used up|next page/);
  } else {
    expect(res.status).toBe(200);
  }
});
