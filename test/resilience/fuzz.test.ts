/**
 * Fuzzing with fast-check, bounded to a few seconds: the valid
 * fixture hook requests, mutated (wrong types, missing fields, huge numbers,
 * unicode, deep nesting, byte-order marks, `__proto__`/`constructor` keys),
 * and raw bodies that are barely JSON. The service must never answer 5xx,
 * never stop, never pollute Object.prototype, and every card it does send
 * must be a valid CDS Hooks card. A malformed record inside a prefetch Bundle
 * or the draft orders must not cost the call: those still answer 200.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { Card } from '../../src/protocol/types.js';
import { BASE_URL, FIXTURES_DIR, testApp } from '../helpers/app.js';
import { cardProblems } from '../helpers/cards.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

const FIXTURES: readonly { name: string; body: Json }[] = readdirSync(`${FIXTURES_DIR}requests`)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((name) => ({
    name,
    body: JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${name}`, 'utf8')) as Json,
  }));

/**
 * Each property runs at most this long (ms) or this many times, whichever comes first. For a
 * longer hunt: FUZZ_TIME_MS=60000 FUZZ_RUNS=100000 npm test -- test/resilience/fuzz (and raise
 * jest's timeout with --testTimeout).
 */
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_MS ?? 1500);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
let runs = 0;

let server: Server;
let base: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = testApp().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (process.env.FUZZ_TIME_MS) process.stderr.write(`fuzz: ${runs} calls\n`);
  process.off('unhandledRejection', onUnhandled);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  // Nothing a request carried may have reached Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(unhandled).toEqual([]);
});

/** A marker for number literals JSON.stringify cannot write (1e999 parses to Infinity). */
const RAW = '\u0001raw:';
const raw = (literal: string): string => `${RAW}${literal}`;

function serialize(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001raw:([^"]*)"/g, '$1');
}

function nested(depth: number, leaf: Json): Json {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { a: value };
  return value;
}

const WEIRD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Values that break assumptions: wrong types, edge numbers, unicode, depth, prototype keys. */
const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 2,
    '',
    ' ',
    '\uFEFF',
    '\u0000',
    '\uFEFF{"resourceType":"Bundle"}',
    '__proto__',
    'constructor',
    'NaN',
    '9'.repeat(400),
    'G25.81',
    'final',
    'active',
    'draft',
    'mg',
    '%',
    'Patient/someone-else',
    'MedicationRequest/',
    '{{context.patientId}}',
    '<script>alert(1)</script>',
    '[x](javascript:alert(1)) **b** {{summary}}',
    'ＰＲＡＭＩＰＥＸＯＬＥ 0.25 mg',
    'pramipexole',
    'oxycodone 10 mg',
    '2026-02-30T25:61:00Z',
    '10000-01-01',
    raw('1e999'),
    raw('-1e999'),
    raw('123456789012345678901234567890'),
    [],
    {},
    [null],
    { value: 'x', unit: 5, code: [] },
    { coding: 'G25.81' },
    { reference: 7 },
    { toString: 'x', valueOf: 1 },
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({
    unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    maxLength: 4,
  }),
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.integer({ min: 20, max: 300 }).map((d) => nested(d, 'deep')),
  fc
    .record({ key: fc.constantFrom(...WEIRD_KEYS), polluted: fc.constant(true) })
    .map(({ key }) => withOwnKey({}, key, { polluted: true })),
);

/** Sets `key` as an own, enumerable property (so `__proto__` is a key and not the prototype). */
function withOwnKey(target: Json, key: string, value: Json): Json {
  if (target && typeof target === 'object' && !Array.isArray(target))
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** Every path in a JSON value (depth-first, root first). */
function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

/** Keys the clinical code reads: half of the mutations land on one of these. */
const HOT_KEYS = new Set([
  'code',
  'unit',
  'system',
  'value',
  'status',
  'display',
  'text',
  'reference',
  'coding',
  'valueQuantity',
  'valueInteger',
  'effectiveDateTime',
  'issued',
  'authoredOn',
  'dosageInstruction',
  'doseAndRate',
  'doseQuantity',
  'timing',
  'repeat',
  'frequency',
  'period',
  'medicationCodeableConcept',
  'clinicalStatus',
  'verificationStatus',
  'subject',
  'id',
  'entry',
  'resource',
  'resourceType',
]);

interface Mutation {
  readonly hot: boolean;
  readonly at: number;
  readonly kind: 'replace' | 'delete' | 'add-key' | 'wrap' | 'bom';
  readonly key: string;
  readonly value: Json;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  hot: fc.boolean(),
  at: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>(
    'replace',
    'replace',
    'replace',
    'delete',
    'add-key',
    'wrap',
    'bom',
  ),
  key: fc.constantFrom(
    ...WEIRD_KEYS,
    'resourceType',
    'coding',
    'entry',
    'reference',
    'valueQuantity',
    'status',
  ),
  value: nasty,
});

function parentAndKey(root: Json, path: Path): [Record<string | number, Json>, string | number] | undefined {
  if (path.length === 0) return undefined;
  let node = root as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  return [node, path[path.length - 1]!];
}

/** Applies the mutations in turn to a copy; `within` limits them to paths under one of the prefixes. */
function mutate(body: Json, mutations: readonly Mutation[], within?: (path: Path) => boolean): Json {
  let root = structuredClone(body);
  for (const m of mutations) {
    const allowed = pathsOf(root).filter((p) => !within || within(p));
    const hot = m.hot ? allowed.filter((p) => HOT_KEYS.has(String(p[p.length - 1]))) : [];
    const paths = hot.length > 0 ? hot : allowed;
    if (paths.length === 0) break;
    const path = paths[m.at % paths.length]!;
    const found = parentAndKey(root, path);
    const current = found ? found[0][found[1]] : root;
    let next: Json | undefined;
    switch (m.kind) {
      case 'replace':
        next = m.value;
        break;
      case 'delete':
        next = undefined;
        break;
      case 'add-key':
        next = withOwnKey(current ?? null, m.key, m.value);
        break;
      case 'wrap':
        next = m.at % 2 ? [current ?? null] : { value: current ?? null };
        break;
      case 'bom':
        next = typeof current === 'string' ? `\uFEFF${current}` : current;
        break;
    }
    if (!found) {
      root = next ?? null;
      continue;
    }
    const [parent, key] = found;
    if (next === undefined) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (typeof key === 'string') withOwnKey(parent, key, next);
    else parent[key] = next;
  }
  return root;
}

function serviceOf(fixtureName: string): string {
  const hook = /--(patient-view|order-select|order-sign)\.json$/.exec(fixtureName)?.[1] ?? 'patient-view';
  return `rls-${hook}`;
}

async function post(service: string, text: string, contentType = 'application/json') {
  runs += 1;
  const res = await fetch(`${base}/cds-services/${service}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: text,
  });
  const body: unknown = await res.json();
  return { status: res.status, body };
}

/** The answer was not a server error, and any cards in it are valid. */
function expectSound(answer: { status: number; body: unknown }): void {
  expect(answer.status).toBeLessThan(500);
  if (answer.status === 200) {
    const cards = (answer.body as { cards?: Card[] }).cards;
    expect(Array.isArray(cards)).toBe(true);
    for (const card of cards ?? []) expect(cardProblems(card, BASE_URL)).toEqual([]);
  } else {
    expect((answer.body as { resourceType?: string }).resourceType).toBe('OperationOutcome');
  }
}

const limits = { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false };
const fixture = fc.constantFrom(...FIXTURES);

test('mutated hook requests never get a 5xx, and every card sent is valid', async () => {
  await fc.assert(
    fc.asyncProperty(fixture, fc.array(mutation, { minLength: 1, maxLength: 4 }), async (f, mutations) => {
      expectSound(await post(serviceOf(f.name), serialize(mutate(f.body, mutations))));
    }),
    limits,
  );
});

/** A path at or inside one record of a prefetch Bundle or of the draft orders. */
function insideARecord(path: Path): boolean {
  const inBundle = path[0] === 'prefetch' && path[2] === 'entry' && path[4] === 'resource';
  const inDrafts =
    path[0] === 'context' && path[1] === 'draftOrders' && path[2] === 'entry' && path[4] === 'resource';
  return inBundle || inDrafts;
}

test('malformed FHIR records inside prefetch or draft orders: the call still answers 200 with valid cards', async () => {
  await fc.assert(
    fc.asyncProperty(fixture, fc.array(mutation, { minLength: 1, maxLength: 6 }), async (f, mutations) => {
      const answer = await post(serviceOf(f.name), serialize(mutate(f.body, mutations, insideARecord)));
      expectSound(answer);
      expect(answer.status).toBe(200);
    }),
    limits,
  );
});

test('raw bodies that are barely JSON (BOMs, garbage, depth, huge literals, prototype keys) get 4xx or 200, never 5xx', async () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fixture.map((f) => `\uFEFF${JSON.stringify(f.body)}`),
    fixture.chain((f) =>
      fc.nat({ max: JSON.stringify(f.body).length }).map((cut) => JSON.stringify(f.body).slice(0, cut)),
    ),
    fc.integer({ min: 1000, max: 20_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
    fc.integer({ min: 1000, max: 20_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
    fc.constantFrom('1e999', '-1e999', '"x"', 'null', '[]', 'true', '{"__proto__":{"polluted":true}}'),
    fixture.map((f) =>
      JSON.stringify(f.body).replace(
        /^\{/,
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
      ),
    ),
  );
  await fc.assert(
    fc.asyncProperty(
      fixture,
      text,
      fc.constantFrom('application/json', 'application/fhir+json'),
      async (f, body, type) => {
        expectSound(await post(serviceOf(f.name), body, type));
      },
    ),
    limits,
  );
});

test('a byte-order mark before a valid request is read as the request it precedes', async () => {
  const f = FIXTURES.find((x) => x.name === 'rls-low-ferritin--patient-view.json')!;
  const plain = await post('rls-patient-view', JSON.stringify(f.body));
  const withBom = await post('rls-patient-view', `\uFEFF${JSON.stringify(f.body)}`);
  expect(plain.status).toBe(200);
  expect(withBom.status).toBe(plain.status);
  const codes = (a: { body: unknown }) => (a.body as { cards: Card[] }).cards.map((c) => c.source.topic.code);
  expect(codes(withBom)).toEqual(codes(plain));
});
