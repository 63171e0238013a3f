/**
 * Admin routes for the CDS governance committee, behind a bearer token
 * (`CDS_ADMIN_TOKEN`). Mounted only when the token is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { outcome } from '../cds-hooks/errors.js';
import type { Logger } from '../logger.js';
import { errorSummary, type Operations } from '../ops/operations.js';
import { SinceError, parseSince, summaryBody } from './summary.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Refuses requests without `Authorization: Bearer <token>` (compared in constant time). */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
    if (match?.[1] && timingSafeEqual(digest(match[1]), expected)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer realm="admin"');
    res.status(401).json(outcome('login', 'a valid admin bearer token is required'));
  };
}

/** The admin router: `GET /feedback-summary?since=`. */
export function adminRouter(deps: {
  readonly token: string;
  readonly ops: Operations;
  readonly logger: Logger;
  readonly now: () => Date;
}): Router {
  const { ops, logger } = deps;
  const router = Router();
  router.use(bearerAuth(deps.token));
  router.get('/feedback-summary', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    let since: Date | null;
    try {
      const raw = req.query.since;
      if (raw !== undefined && typeof raw !== 'string') throw new SinceError('since: must be given once');
      since = parseSince(raw);
    } catch (error) {
      if (!(error instanceof SinceError)) throw error;
      res.status(400).json(outcome('invalid', error.message, 'since'));
      return;
    }
    try {
      const summary = await ops.store.feedbackSummary(since);
      res.json(summaryBody(summary, deps.now()));
    } catch (error) {
      ops.metrics.storeFailures.inc({ operation: 'feedback_summary', reason: 'error' });
      logger.error({ err: errorSummary(error) }, 'feedback summary: store read failed');
      res.status(503).json(outcome('transient', 'the feedback store is unavailable; try again later'));
    }
  });
  return router;
}
