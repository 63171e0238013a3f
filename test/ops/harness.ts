/**
 * The real app wired with an operations bundle the test controls (store,
 * readiness checks, a short retry back-off) and a logger whose lines the
 * test can read.
 */
import { Writable } from 'node:stream';
import nock from 'nock';
import type { Express } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { ReadinessCheck } from '../../src/ops/health.js';
import type { Card } from '../../src/protocol/types.js';
import { type Operations, createOperations } from '../../src/ops/operations.js';
import type { OpsStore } from '../../src/store/types.js';
import { BASE_URL, NOW, templates } from '../helpers/app.js';
import { fullPrefetch, lab, patientView, rlsCondition, searchset } from '../helpers/fhir.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** An app, its operations bundle and its log output. */
export interface Harness {
  readonly app: Express;
  readonly ops: Operations;
  /** Everything logged so far, raw. */
  readonly output: () => string;
  /** Everything logged so far, one parsed object per line. */
  readonly lines: () => Record<string, unknown>[];
}

/** Builds the app with CDS_ADMIN_TOKEN set (an `undefined` in `env` unsets a variable), logging at `info` into memory. */
export function harness(
  options: { env?: Record<string, string | undefined>; store?: OpsStore; readiness?: ReadinessCheck[] } = {},
): Harness {
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured += chunk.toString('utf8');
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const ops = createOperations({
    logger,
    ...(options.store ? { store: options.store } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
    retryDelayMs: () => 20,
  });
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    CDS_PUBLIC_URL: BASE_URL,
    FHIR_TIMEOUT_MS: '1000',
    CDS_ADMIN_TOKEN: ADMIN_TOKEN,
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const config = loadConfig(env);
  const app = createApp({ config, logger, templates, now: () => NOW, ops });
  return {
    app,
    ops,
    output: () => captured,
    lines: () =>
      captured
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A patient-view call that fires the iron card (RLS, ferritin 40 ng/mL), all data prefetched. */
export function ironCall(patientId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const prefetch = fullPrefetch(
    [rlsCondition(patientId)],
    [
      lab(patientId, 'f1', '2276-4', 40, 'ng/mL', '2026-10-01T08:00:00Z'),
      lab(patientId, 't1', '2502-3', 25, '%', '2026-10-01T08:00:00Z'),
    ],
  );
  return patientView(patientId, prefetch, extra);
}

/** Makes the iron call for patient `p-ops-1`, waits until the card log is written, and returns the first card. */
export async function issueIronCard(h: Harness): Promise<Card> {
  const res = await request(h.app)
    .post('/cds-services/rls-patient-view')
    .send(ironCall('p-ops-1'))
    .expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  expect(cards.length).toBeGreaterThan(0);
  expect(await h.ops.cardLog.flush(2000)).toBe(0);
  return cards[0] as Card;
}

/** The same call with `medicationStatements` left out, so it is fetched from `fhirServer`. */
export function ironCallWithFallback(
  patientId: string,
  fhirServer: string,
  accessToken: string,
): Record<string, unknown> {
  const body = ironCall(patientId, {
    fhirServer,
    fhirAuthorization: {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/*.read',
      subject: 'cds-service',
    },
  });
  delete (body.prefetch as Record<string, unknown>).medicationStatements;
  return body;
}

/** Serves an empty searchset for every GET under `base` (nock); returns the number of requests served. */
export function emptyFhirServer(base: string, status = 200): () => number {
  let served = 0;
  nock(base)
    .persist()
    .get(/.*/)
    .reply(() => {
      served += 1;
      return status === 200 ? [200, searchset([])] : [status, 'unavailable'];
    });
  return () => served;
}
