/**
 * The demo FHIR server is a conformant read-only FHIR R4 server for what it
 * serves. Every response these tests see is checked against the FHIR R4 JSON
 * schema and for FHIR's JSON rules (no empty arrays), and carries
 * Content-Type application/fhir+json.
 */
import type {
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  FhirResource,
  OperationOutcome,
} from 'fhir/r4.js';
import request from 'supertest';
import { PREFETCH_QUERIES } from '../../src/protocol/prefetch-catalog.js';
import { fixtureStore, testApp } from '../helpers/app.js';
import { fhirProblems } from '../helpers/fhir-schema.js';

const app = testApp({ DEMO_FHIR: 'true' }, fixtureStore());
const BASE = '/demo/fhir';

/** Sends a request and checks the response is FHIR JSON that the schema accepts. */
async function fhir<T extends FhirResource>(
  req: request.Test,
  status: number,
): Promise<{ body: T; res: request.Response }> {
  const res = await req;
  expect([res.status, res.text.slice(0, 200)]).toEqual([status, expect.any(String)]);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json(;|$)/);
  const body = res.body as T;
  expect(fhirProblems(body)).toEqual([]);
  return { body, res };
}

const get = (path: string): request.Test => request(app).get(`${BASE}${path}`);

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).map((e) => e.resource?.id ?? '');
}

function link(bundle: Bundle, relation: string): string | undefined {
  return bundle.link?.find((l) => l.relation === relation)?.url;
}

describe('GET /metadata', () => {
  test('is a CapabilityStatement for FHIR 4.0.1, kind instance, JSON, read-only', async () => {
    const { body } = await fhir<CapabilityStatement>(get('/metadata'), 200);
    expect(body).toMatchObject({
      resourceType: 'CapabilityStatement',
      status: 'active',
      kind: 'instance',
      fhirVersion: '4.0.1',
    });
    expect(body.format).toContain('json');
    expect(Date.parse(body.date)).not.toBeNaN();
    const rest = body.rest?.[0];
    expect(rest?.mode).toBe('server');
    for (const r of rest?.resource ?? [])
      expect(r.interaction?.map((i) => i.code).sort()).toEqual(['read', 'search-type']);
  });

  test('lists every resource type the service reads, with the search parameters its templates use', async () => {
    const { body } = await fhir<CapabilityStatement>(get('/metadata'), 200);
    const resources = new Map<string, CapabilityStatementRestResource>();
    for (const r of body.rest?.[0]?.resource ?? []) resources.set(r.type, r);
    // Every query of the prefetch catalog can be run here, with the parameters its template uses.
    for (const { template, resourceType } of Object.values(PREFETCH_QUERIES)) {
      const used = [...new URLSearchParams(template.split('?')[1] ?? '').keys()];
      const declared = (resources.get(resourceType)?.searchParam ?? []).map((p) => p.name);
      expect([template, used.filter((u) => !declared.includes(u))]).toEqual([template, []]);
    }
    for (const type of ['Medication', ...Object.values(PREFETCH_QUERIES).map((q) => q.resourceType)])
      expect([type, resources.has(type)]).toEqual([type, true]);
    const params = (type: string): Record<string, string> =>
      Object.fromEntries((resources.get(type)?.searchParam ?? []).map((p) => [p.name, p.type]));
    expect(params('Observation')).toEqual({
      _id: 'token',
      patient: 'reference',
      subject: 'reference',
      code: 'token',
    });
    expect(params('Patient')).toEqual({ _id: 'token' });
    expect(params('DeviceUseStatement')).toMatchObject({ patient: 'reference' });
  });
});

describe('reads', () => {
  test('a known resource is returned as is', async () => {
    const { body } = await fhir(get('/Patient/rls-low-ferritin'), 200);
    expect(body).toMatchObject({ resourceType: 'Patient', id: 'rls-low-ferritin' });
  });

  test('an unknown id is 404 with an OperationOutcome naming it', async () => {
    const { body } = await fhir<OperationOutcome>(get('/Patient/nobody-here'), 404);
    expect(body.issue[0]).toMatchObject({ severity: 'error', code: 'not-found' });
    expect(body.issue[0]?.diagnostics).toContain('Patient/nobody-here');
  });

  test('an unknown resource type is 404 with an OperationOutcome, for reads and searches', async () => {
    for (const path of ['/Spaceship/1', '/Spaceship?patient=rls-low-ferritin', '/metadatas']) {
      const { body } = await fhir<OperationOutcome>(get(path), 404);
      expect([path, body.issue[0]?.diagnostics]).toEqual([path, expect.stringContaining('not served')]);
    }
  });
});

describe('search', () => {
  test('a patient-scoped token search returns the matching resources with total and a self link', async () => {
    const { body } = await fhir<Bundle>(
      get('/Observation?patient=rls-low-ferritin&code=http://loinc.org|2276-4'),
      200,
    );
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    expect(body.entry).toHaveLength(3);
    for (const e of body.entry ?? []) {
      expect(e.search?.mode).toBe('match');
      expect(e.fullUrl).toMatch(new RegExp(`/demo/fhir/Observation/${e.resource?.id ?? 'x'}$`));
    }
    expect(link(body, 'self')).toMatch(
      /\/demo\/fhir\/Observation\?patient=rls-low-ferritin&code=http%3A%2F%2Floinc\.org%7C2276-4$/,
    );
  });

  test('a search with no match has total 0 and no entry array at all', async () => {
    const { body, res } = await fhir<Bundle>(get('/Condition?patient=nobody-here'), 200);
    expect(body.total).toBe(0);
    expect(res.text).not.toContain('"entry"');
  });

  test('_id selects resources by id (a comma list matches any)', async () => {
    const { body } = await fhir<Bundle>(get('/Patient?_id=rls-low-ferritin,rls-good-iron,nobody'), 200);
    expect(ids(body).sort()).toEqual(['rls-good-iron', 'rls-low-ferritin']);
    expect(body.total).toBe(2);
  });

  test('_count pages the results: next links walk every match exactly once, total stays the same', async () => {
    const everything = (await fhir<Bundle>(get('/Observation?patient=rls-low-ferritin'), 200)).body;
    expect(everything.total).toBeGreaterThan(4);
    const seen: string[] = [];
    let url: string | undefined = `${BASE}/Observation?patient=rls-low-ferritin&_count=2`;
    let pages = 0;
    while (url) {
      const { body } = await fhir<Bundle>(request(app).get(url.replace(/^https?:\/\/[^/]+/, '')), 200);
      expect(body.total).toBe(everything.total);
      expect((body.entry ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      expect(link(body, 'self')).toContain('_count=2');
      url = link(body, 'next');
      pages += 1;
    }
    expect(pages).toBe(Math.ceil((everything.total ?? 0) / 2));
    expect(seen.sort()).toEqual(ids(everything).sort());
  });

  test('_summary=count returns the total and no resources; so does _count=0', async () => {
    for (const q of ['_summary=count', '_count=0']) {
      const { body, res } = await fhir<Bundle>(get(`/Condition?patient=rls-low-ferritin&${q}`), 200);
      expect([q, body.total]).toEqual([q, expect.any(Number)]);
      expect(body.total).toBeGreaterThan(0);
      expect(res.text).not.toContain('"entry"');
      expect(link(body, 'next')).toBeUndefined();
    }
  });

  test('POST [type]/_search with a form body answers exactly as the GET search', async () => {
    const viaGet = (await fhir<Bundle>(get('/Condition?patient=rls-low-ferritin'), 200)).body;
    const { body } = await fhir<Bundle>(
      request(app)
        .post(`${BASE}/Condition/_search`)
        .type('application/x-www-form-urlencoded')
        .send('patient=rls-low-ferritin'),
      200,
    );
    expect(ids(body)).toEqual(ids(viaGet));
    expect(body.total).toBe(viaGet.total);
    const path = (url: string | undefined): string | undefined => url?.replace(/^https?:\/\/[^/]+/, '');
    expect(path(link(body, 'self'))).toBe(path(link(viaGet, 'self')));
  });

  test('an unsupported search parameter is ignored and left out of the self link (lenient handling)', async () => {
    const { body } = await fhir<Bundle>(
      get('/Condition?patient=rls-low-ferritin&onset-date=ge2020-01-01'),
      200,
    );
    const all = (await fhir<Bundle>(get('/Condition?patient=rls-low-ferritin'), 200)).body;
    expect(ids(body)).toEqual(ids(all));
    expect(link(body, 'self')).not.toContain('onset-date');
    expect(link(body, 'self')).toContain('patient=rls-low-ferritin');
  });

  test('with Prefer: handling=strict an unsupported search parameter is 400 with an OperationOutcome naming it', async () => {
    const { body } = await fhir<OperationOutcome>(
      get('/Condition?patient=rls-low-ferritin&onset-date=ge2020-01-01').set('Prefer', 'handling=strict'),
      400,
    );
    expect(body.issue[0]?.diagnostics).toContain('onset-date');
  });

  test('a bad _count or an unsupported _summary is 400 with an OperationOutcome', async () => {
    expect(
      (await fhir<OperationOutcome>(get('/Condition?_count=-1'), 400)).body.issue[0]?.diagnostics,
    ).toContain('_count');
    expect(
      (await fhir<OperationOutcome>(get('/Condition?_summary=text'), 400)).body.issue[0]?.diagnostics,
    ).toContain('_summary');
  });
});

describe('read-only', () => {
  test('writes are refused with 405 and an OperationOutcome', async () => {
    const { body, res } = await fhir<OperationOutcome>(
      request(app).post(`${BASE}/Patient`).type('application/fhir+json').send({ resourceType: 'Patient' }),
      405,
    );
    expect(res.headers.allow).toContain('GET');
    expect(body.issue[0]?.diagnostics).toContain('read-only');
    await fhir<OperationOutcome>(request(app).delete(`${BASE}/Patient/rls-low-ferritin`), 405);
  });

  test('the schema check catches what a non-conformant server would send', () => {
    // The checker itself can fail: an empty entry array and a bad code are both reported.
    expect(fhirProblems({ resourceType: 'Bundle', type: 'searchset', entry: [] })).toEqual([
      'entry is an empty array',
    ]);
    expect(fhirProblems({ resourceType: 'Bundle', type: 'searchlight' }).join()).toContain('type');
  });
});
