/**
 * Regular-expression stalls: inputs crafted so that a backtracking pattern
 * takes quadratic time. The service runs in production mode on a real
 * loopback socket; each attack must be answered within a second while
 * /healthz keeps answering, which it cannot do while the event loop is
 * stuck in a regular expression.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, MedicationRequest } from 'fhir/r4.js';
import { strengthFromText } from '../../src/clinical/dose.js';
import { FIXTURES_DIR } from '../helpers/app.js';
import {
  BASE_URL,
  FHIR_BASE,
  ISS_STATIC,
  type Signer,
  mint,
  newSigner,
  secureService,
  writeClientsFile,
} from './helpers.js';

/** "pramipexole " and 120 000 digits: 6 s of backtracking for the old strength pattern. */
const LONG_DRUG_TEXT = `pramipexole ${'1'.repeat(120_000)}`;
/** A registered FHIR base followed by 150 000 slashes (and, in one variant, one more character). */
const SLASHES = '/'.repeat(150_000);

let signer: Signer;
let server: Server;
let origin: string;

beforeAll(async () => {
  signer = await newSigner('ES384');
  const clientsFile = writeClientsFile([
    { iss: ISS_STATIC, jwks: { keys: [signer.publicJwk] }, fhirServers: [FHIR_BASE] },
  ]);
  const { app } = secureService(clientsFile);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // One ordinary call first, so that the timings below measure the attack, not the first call's
  // compilation (JIT, templates, the in-memory store's WebAssembly engine).
  const warmUp = await post('rls-patient-view', fixture('rls-low-ferritin--patient-view.json'));
  if (warmUp.status !== 200) throw new Error(`test setup: warm-up call answered ${warmUp.status}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type Body = Record<string, unknown> & { prefetch: Record<string, Bundle>; context: Record<string, unknown> };

function fixture(name: string): Body {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${name}`, 'utf8')) as Body;
}

async function post(service: string, body: object): Promise<{ status: number; text: string; ms: number }> {
  const token = await mint(signer, { aud: `${BASE_URL}/cds-services/${service}` });
  const started = performance.now();
  const res = await fetch(`${origin}/cds-services/${service}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

/** Sends the attack and, 50 ms later, /healthz; both answers with their times. */
async function underAttack(service: string, body: object) {
  const attack = post(service, body);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  const health = await fetch(`${origin}/healthz`);
  const healthMs = performance.now() - started;
  return { attack: await attack, health: health.status, healthMs };
}

function withDrugText(resource: MedicationRequest, text: string): MedicationRequest {
  return { ...resource, medicationCodeableConcept: { text } };
}

test('the strength pattern reads a drug text in linear time, and only its first 500 characters', () => {
  const started = performance.now();
  expect(strengthFromText(LONG_DRUG_TEXT)).toBeUndefined();
  expect(strengthFromText(`pramipexole ${'1'.repeat(5_000)}x 0.25 mg`)).toBeUndefined();
  expect(performance.now() - started).toBeLessThan(100);
  expect(strengthFromText(`pramipexole 0.25 mg tablet${' '.repeat(1_000)}`)).toEqual({
    mg: 0.25,
    basis: 'unit',
  });
});

test('a prefetched medication order whose drug text is "pramipexole " and 120 000 digits: answered within 1 s, /healthz answering meanwhile', async () => {
  const body = fixture('rls-low-ferritin--patient-view.json');
  const orders = body.prefetch.medicationRequests as Bundle<MedicationRequest>;
  const first = orders.entry?.[0]?.resource as MedicationRequest;
  orders.entry = [
    ...(orders.entry ?? []),
    { resource: withDrugText({ ...first, id: 'long-text' }, LONG_DRUG_TEXT) },
  ];
  const { attack, health, healthMs } = await underAttack('rls-patient-view', body);
  expect(attack.status).toBe(200);
  expect(attack.ms).toBeLessThan(1000);
  expect(health).toBe(200);
  expect(healthMs).toBeLessThan(1000);
});

test('a draft order whose drug text is "pramipexole " and 120 000 digits: answered within 1 s, /healthz answering meanwhile', async () => {
  const body = fixture('oxycodone-untreated-osa--order-select.json');
  const drafts = body.context.draftOrders as Bundle<MedicationRequest>;
  const draft = drafts.entry?.[0]?.resource as MedicationRequest;
  drafts.entry = [{ resource: withDrugText(draft, LONG_DRUG_TEXT) }];
  const { attack, health, healthMs } = await underAttack('rls-order-select', {
    ...body,
    hookInstance: randomUUID(),
  });
  expect(attack.status).toBe(200);
  expect(attack.ms).toBeLessThan(1000);
  expect(health).toBe(200);
  expect(healthMs).toBeLessThan(1000);
});

test.each([
  ['150 000 trailing slashes', `${FHIR_BASE}${SLASHES}`],
  ['150 000 slashes and one more character', `${FHIR_BASE}${SLASHES}x`],
])(
  'a fhirServer with %s: refused (400 naming fhirServer) within 1 s, /healthz answering meanwhile',
  async (_name, fhirServer) => {
    const body = fixture('rls-low-ferritin--patient-view.json');
    const { attack, health, healthMs } = await underAttack('rls-patient-view', { ...body, fhirServer });
    expect(attack.status).toBe(400);
    expect(JSON.parse(attack.text)).toMatchObject({
      issue: [{ expression: ['fhirServer'], diagnostics: 'fhirServer: must be at most 2048 characters' }],
    });
    expect(attack.ms).toBeLessThan(1000);
    expect(health).toBe(200);
    expect(healthMs).toBeLessThan(1000);
  },
);
