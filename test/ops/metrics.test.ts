/**
 * /metrics after one hook call (with one FHIR fallback request) and one
 * feedback entry: the five core families with their labels, the
 * default process metrics, and nothing else of ours beyond store failures.
 */
import request from 'supertest';
import type { Card } from '../../src/protocol/types.js';
import { emptyFhirServer, harness, ironCallWithFallback } from './harness.js';

const FHIR = 'https://ehr.example.org/fhir';

test('after one hook call /metrics shows the five families with their labels, and the process metrics', async () => {
  const h = harness();
  const served = emptyFhirServer(FHIR);
  const hook = await request(h.app)
    .post('/cds-services/rls-patient-view')
    .send(ironCallWithFallback('p-m', FHIR, 'tok-m'))
    .expect(200);
  expect(served()).toBeGreaterThanOrEqual(1);
  const card = (hook.body as { cards: Card[] }).cards[0] as Card;
  await request(h.app)
    .post('/cds-services/rls-patient-view/feedback')
    .send({
      feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-01T10:00:00Z' }],
    })
    .expect(200);

  const res = await request(h.app).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = res.text;
  const rule = card.source.topic.code;
  expect(text).toMatch(/^# TYPE cds_hook_duration_seconds histogram$/m);
  expect(text).toMatch(/^cds_hook_duration_seconds_count\{service="rls-patient-view",status="200"\} 1$/m);
  expect(text).toMatch(/^# TYPE cds_cards_total counter$/m);
  expect(text).toContain(`cds_cards_total{rule="${rule}",indicator="${card.indicator}"} 1`);
  expect(text).toMatch(/^# TYPE cds_fhir_requests_total counter$/m);
  expect(text).toContain(`cds_fhir_requests_total{outcome="ok"} ${served()}`);
  expect(text).toMatch(/^# TYPE cds_fhir_request_duration_seconds histogram$/m);
  expect(text).toContain(`cds_fhir_request_duration_seconds_count{outcome="ok"} ${served()}`);
  expect(text).toMatch(/^# TYPE cds_feedback_total counter$/m);
  expect(text).toContain(`cds_feedback_total{rule="${rule}",outcome="overridden"} 1`);
  expect(text).toMatch(/^# TYPE cds_cards_suppressed_total counter$/m);
  expect(text).toMatch(/^process_cpu_seconds_total /m);
  expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);

  const ours = [...text.matchAll(/^# TYPE (cds_\w+) /gm)].map((m) => m[1]).sort();
  expect(ours).toEqual([
    'cds_cards_suppressed_total',
    'cds_cards_total',
    'cds_feedback_total',
    'cds_fhir_request_duration_seconds',
    'cds_fhir_requests_total',
    'cds_hook_duration_seconds',
    'cds_partial_keys_total',
    'cds_store_failures_total',
  ]);
});

test('a FHIR server answering 500 is counted as outcome http_error', async () => {
  const h = harness();
  const served = emptyFhirServer(FHIR, 500);
  await request(h.app)
    .post('/cds-services/rls-patient-view')
    .send(ironCallWithFallback('p-n', FHIR, 'tok-n'))
    .expect(200);
  const text = (await request(h.app).get('/metrics').expect(200)).text;
  expect(served()).toBeGreaterThanOrEqual(1);
  expect(text).toContain(`cds_fhir_requests_total{outcome="http_error"} ${served()}`);
  expect(text).not.toMatch(/^cds_fhir_requests_total\{outcome="ok"\}/m);
});

test('an unknown service id is labelled "unknown", so callers cannot invent label values', async () => {
  const h = harness();
  await request(h.app).post('/cds-services/made-up-by-caller').send({}).expect(404);
  const text = (await request(h.app).get('/metrics').expect(200)).text;
  expect(text).toMatch(/^cds_hook_duration_seconds_count\{service="unknown",status="404"\} 1$/m);
  expect(text).not.toContain('made-up-by-caller');
});

test('a duplicate feedback entry does not count twice in cds_feedback_total', async () => {
  const h = harness();
  const entry = {
    card: 'not-a-logged-card',
    outcome: 'overridden',
    outcomeTimestamp: '2026-11-01T10:00:00Z',
  };
  await request(h.app)
    .post('/cds-services/rls-patient-view/feedback')
    .send({ feedback: [entry, entry] })
    .expect(200);
  const text = (await request(h.app).get('/metrics').expect(200)).text;
  expect(text).toMatch(/^cds_feedback_total\{rule="unknown",outcome="overridden"\} 1$/m);
});
