/**
 * Feedback is bound to its caller: in production mode, only the client
 * (token `iss` and `tenant`) that received a card may report on it; another
 * EHR, or another tenant of the same EHR, is refused and changes no count.
 * Batches are bounded in entries and bytes, and comments in length.
 */
import { pino } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { authFromConfig } from '../../src/auth/index.js';
import type { Card } from '../../src/protocol/types.js';
import { loadConfig } from '../../src/config.js';
import { type Operations, createOperations } from '../../src/ops/operations.js';
import { memoryStore } from '../../src/store/open.js';
import { ironCall } from '../ops/harness.js';
import { templates } from '../helpers/app.js';
import {
  BASE_URL,
  NOW,
  PATIENT_KEY_SECRET,
  type Signer,
  jwksOf,
  mint,
  newSigner,
  writeClientsFile,
} from './helpers.js';

const ISS_A = 'https://ehr-a.hospital.example';
const ISS_B = 'https://ehr-b.other-hospital.example';
const ADMIN_TOKEN = 'k3Vq9xZ2-feedback-binding-admin-token-7Rw';
const HOOK = '/cds-services/rls-patient-view';
const FEEDBACK = `${HOOK}/feedback`;

let keyA: Signer;
let keyB: Signer;
let clientsFile: string;

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([newSigner('ES384'), newSigner('ES384')]);
  clientsFile = writeClientsFile([
    { iss: ISS_A, jwks: jwksOf(keyA), tenants: ['ward-1', 'ward-2'], fhirServers: [] },
    { iss: ISS_B, jwks: jwksOf(keyB), fhirServers: [] },
  ]);
});

interface Service {
  readonly app: Express;
  readonly ops: Operations;
}

function service(env: Record<string, string> = {}): Service {
  const config = loadConfig({
    NODE_ENV: 'production',
    CDS_PUBLIC_URL: BASE_URL,
    CDS_CLIENTS_FILE: clientsFile,
    CDS_ADMIN_TOKEN: ADMIN_TOKEN,
    CDS_PATIENT_KEY_SECRET: PATIENT_KEY_SECRET,
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const auth = authFromConfig(config, logger, () => NOW);
  if (!auth) throw new Error('test setup: authentication should be on');
  const ops = createOperations({ logger });
  return { app: createApp({ config, logger, templates, now: () => NOW, auth, ops }), ops };
}

const bearer = async (signer: Signer, iss: string, aud: string, tenant?: string): Promise<string> =>
  `Bearer ${await mint(signer, { iss, aud: `${BASE_URL}${aud}`, ...(tenant ? { tenant } : {}) })}`;

/** Client A (tenant ward-1) receives the iron card; the card log is written before the test goes on. */
async function issueToA(s: Service): Promise<Card> {
  const res = await request(s.app)
    .post(HOOK)
    .set('Authorization', await bearer(keyA, ISS_A, HOOK, 'ward-1'))
    .send(ironCall('p-bound'))
    .expect(200);
  const card = (res.body as { cards: Card[] }).cards[0];
  if (!card) throw new Error('test setup: the iron card should fire');
  expect(await s.ops.cardLog.flush(2000)).toBe(0);
  return card;
}

const override = (card: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  card,
  outcome: 'overridden',
  outcomeTimestamp: '2026-11-01T10:00:00Z',
  ...extra,
});

async function overriddenCount(s: Service): Promise<number> {
  const res = await request(s.app)
    .get('/admin/feedback-summary')
    .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
    .expect(200);
  const rules = (res.body as { rules: { overridden: number }[] }).rules;
  return rules.reduce((n, r) => n + r.overridden, 0);
}

describe('feedback is accepted only from the client that received the card', () => {
  test("another EHR's feedback on a card is refused with 403 naming the entry, and no count changes", async () => {
    const s = service();
    const card = await issueToA(s);
    const res = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyB, ISS_B, FEEDBACK))
      .send({ feedback: [override(card.uuid)] })
      .expect(403);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'forbidden', expression: ['feedback.0.card'] }],
    });
    expect(await overriddenCount(s)).toBe(0);
  });

  test('the same EHR speaking for another tenant is refused too', async () => {
    const s = service();
    const card = await issueToA(s);
    await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-2'))
      .send({ feedback: [override(card.uuid)] })
      .expect(403);
    expect(await overriddenCount(s)).toBe(0);
  });

  test('a batch with one foreign card stores nothing, not even its valid entries', async () => {
    const s = service();
    const mine = await issueToA(s);
    const res = await request(s.app)
      .post(HOOK)
      .set('Authorization', await bearer(keyB, ISS_B, HOOK))
      .send(ironCall('p-other'))
      .expect(200);
    const theirs = (res.body as { cards: Card[] }).cards[0] as Card;
    expect(await s.ops.cardLog.flush(2000)).toBe(0);
    const refused = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyB, ISS_B, FEEDBACK))
      .send({ feedback: [override(theirs.uuid), override(mine.uuid)] })
      .expect(403);
    expect(refused.body).toMatchObject({ issue: [{ expression: ['feedback.1.card'] }] });
    expect(await overriddenCount(s)).toBe(0);
  });

  test('the client and tenant that received the card are heard, and the override counts', async () => {
    const s = service();
    const card = await issueToA(s);
    const res = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-1'))
      .send({ feedback: [override(card.uuid)] })
      .expect(200);
    expect(res.body).toEqual({ received: 1, recorded: 1 });
    expect(await overriddenCount(s)).toBe(1);
  });

  test('feedback stored before its card reached the log never counts for a card issued to someone else', async () => {
    // The card log is written off the response path, so feedback can arrive first: it is kept with its sender.
    const store = memoryStore();
    const outcomeAt = new Date('2026-11-01T10:00:00Z');
    const entry = {
      serviceId: 'rls-patient-view',
      cardUuid: 'c-race',
      outcome: 'overridden' as const,
      acceptedSuggestions: [],
      outcomeAt,
      receivedAt: NOW,
    };
    await store.recordFeedback([{ ...entry, client: { iss: ISS_B, tenant: '' } }]);
    await store.recordCards([
      {
        cardUuid: 'c-race',
        serviceId: 'rls-patient-view',
        ruleId: 'iron-not-optimized',
        indicator: 'warning',
        hookInstance: 'h-race',
        client: { iss: ISS_A, tenant: 'ward-1' },
        issuedAt: NOW,
      },
    ]);
    const summary = await store.feedbackSummary(null);
    expect(summary.rules).toEqual([expect.objectContaining({ issued: 1, overridden: 0, noResponse: 1 })]);
    expect(summary.unmatchedFeedback).toBe(1);
    // The card's own client is heard (a later outcome time: a new entry, not a duplicate).
    await store.recordFeedback([
      { ...entry, outcomeAt: new Date('2026-11-01T10:01:00Z'), client: { iss: ISS_A, tenant: 'ward-1' } },
    ]);
    expect((await store.feedbackSummary(null)).rules).toEqual([
      expect.objectContaining({ issued: 1, overridden: 1, noResponse: 0 }),
    ]);
    await store.close();
  });
});

describe('feedback requests are bounded', () => {
  test('more entries than FEEDBACK_MAX_ENTRIES get 413 naming feedback, and nothing is stored', async () => {
    const s = service({ FEEDBACK_MAX_ENTRIES: '3' });
    const card = await issueToA(s);
    const auth = await bearer(keyA, ISS_A, FEEDBACK, 'ward-1');
    const four = [1, 2, 3, 4].map((i) =>
      override(card.uuid, { outcomeTimestamp: `2026-11-01T10:0${i}:00Z` }),
    );
    const res = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', auth)
      .send({ feedback: four })
      .expect(413);
    expect(res.body).toMatchObject({
      issue: [
        {
          code: 'too-costly',
          expression: ['feedback'],
          diagnostics: 'feedback: at most 3 entries per request',
        },
      ],
    });
    expect(await overriddenCount(s)).toBe(0);
    // Three, the limit itself, are accepted.
    await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-1'))
      .send({ feedback: four.slice(0, 3) })
      .expect(200);
  });

  test('a body above FEEDBACK_MAX_BYTES gets 413 before it is parsed', async () => {
    const s = service({ FEEDBACK_MAX_BYTES: '2048' });
    const card = await issueToA(s);
    const padding = 'x'.repeat(2100);
    const res = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-1'))
      .send({ feedback: [override(card.uuid)], padding })
      .expect(413);
    expect(res.body).toMatchObject({ issue: [{ code: 'too-costly' }] });
    expect(await overriddenCount(s)).toBe(0);
  });

  test('the default limits are 100 entries and 256 KiB', () => {
    const c = loadConfig({});
    expect([c.feedbackMaxEntries, c.feedbackMaxBytes, c.feedbackCommentMaxChars]).toEqual([
      100,
      256 * 1024,
      2000,
    ]);
  });

  test('a comment longer than FEEDBACK_COMMENT_MAX_CHARS gets 400 naming the field; one at the limit is stored', async () => {
    const s = service({ FEEDBACK_COMMENT_MAX_CHARS: '50' });
    const card = await issueToA(s);
    const tooLong = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-1'))
      .send({ feedback: [override(card.uuid, { overrideReason: { userComment: 'c'.repeat(51) } })] })
      .expect(400);
    expect(tooLong.body).toMatchObject({
      issue: [
        {
          code: 'invalid',
          expression: ['feedback.0.overrideReason.userComment'],
          diagnostics: 'feedback.0.overrideReason.userComment: must be at most 50 characters',
        },
      ],
    });
    expect(await overriddenCount(s)).toBe(0);
    await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-1'))
      .send({ feedback: [override(card.uuid, { overrideReason: { userComment: 'c'.repeat(50) } })] })
      .expect(200);
    expect(await overriddenCount(s)).toBe(1);
  });

  test('an oversized card id or reason code gets 400 naming the field', async () => {
    const s = service();
    const auth = await bearer(keyA, ISS_A, FEEDBACK, 'ward-1');
    const res = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', auth)
      .send({ feedback: [override('u'.repeat(129))] })
      .expect(400);
    expect(res.body).toMatchObject({ issue: [{ expression: ['feedback.0.card'] }] });
    const code = await request(s.app)
      .post(FEEDBACK)
      .set('Authorization', await bearer(keyA, ISS_A, FEEDBACK, 'ward-1'))
      .send({ feedback: [override('card-1', { overrideReason: { reason: { code: 'r'.repeat(257) } } })] })
      .expect(400);
    expect(code.body).toMatchObject({ issue: [{ expression: ['feedback.0.overrideReason.reason.code'] }] });
  });
});
