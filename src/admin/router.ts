/**
 * Admin routes for the CDS governance committee, behind a bearer token
 * (`CDS_ADMIN_TOKEN`). Mounted only when the token is configured. The
 * dashboard page itself (`/admin/`) holds no data and needs no token: the
 * token is typed into it and sent as a bearer token with each data request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { CardTemplate } from '../cards/templates.js';
import { outcome } from '../protocol/errors.js';
import type { Logger } from '../logger.js';
import { errorSummary, type Operations } from '../ops/operations.js';
import {
  type DateRange,
  ReportRangeError,
  governanceCsv,
  governanceReport,
  parseRange,
  rangeBounds,
} from './governance.js';
import { SinceError, parseSince, summaryBody } from './summary.js';

/** Where `npm run build` puts the pages (dist/web at the project root, from src/ or dist/ alike). */
export const DEFAULT_PAGES_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The dashboard's files, by URL path under /admin. Nothing else is served from the folder. */
const PAGE_FILES: Readonly<Record<string, string>> = {
  '/': 'admin.html',
  '/admin.js': 'admin.js',
  '/admin.css': 'admin.css',
};

/** The dashboard may load and call only its own origin: no inline script, nothing from another host. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

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

/** What the admin routes need. */
export interface AdminDeps {
  readonly token: string;
  readonly ops: Operations;
  readonly logger: Logger;
  readonly now: () => Date;
  /** The card templates: display texts of override reasons. */
  readonly templates?: ReadonlyMap<string, CardTemplate>;
  /** Folder of the built pages; defaults to {@link DEFAULT_PAGES_DIR}. */
  readonly pagesDir?: string;
}

/**
 * The admin router: the dashboard page (`/`), and behind the bearer token
 * `GET /feedback-summary?since=`, `GET /governance?from=&to=` and
 * `GET /governance.csv?from=&to=`.
 */
export function adminRouter(deps: AdminDeps): Router {
  const { ops, logger } = deps;
  const router = Router();
  const pagesDir = deps.pagesDir ?? DEFAULT_PAGES_DIR;
  const reasonDisplays: Record<string, Record<string, string>> = {};
  for (const [ruleId, t] of deps.templates ?? new Map<string, CardTemplate>())
    reasonDisplays[ruleId] = Object.fromEntries((t.overrideReasons ?? []).map((r) => [r.code, r.display]));

  router.get(Object.keys(PAGE_FILES), (req: Request, res: Response) => {
    if (req.path === '/' && !req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(302, `${req.baseUrl}/`);
      return;
    }
    const file = join(pagesDir, PAGE_FILES[req.path] ?? 'admin.html');
    if (!existsSync(file)) {
      res
        .status(503)
        .type('text/plain')
        .send('The dashboard page has not been built: run `npm run build` (npm start does it).\n');
      return;
    }
    res.set('Content-Security-Policy', DASHBOARD_CSP);
    res.set('Cache-Control', 'no-store');
    res.sendFile(file);
  });

  router.use(bearerAuth(deps.token));

  const report = async (
    req: Request,
    res: Response,
  ): Promise<ReturnType<typeof governanceReport> | undefined> => {
    res.set('Cache-Control', 'no-store');
    let range: DateRange;
    try {
      range = parseRange(req.query.from, req.query.to, deps.now());
    } catch (error) {
      if (!(error instanceof ReportRangeError)) throw error;
      res.status(400).json(outcome('invalid', error.message, error.field));
      return undefined;
    }
    try {
      const { start, end } = rangeBounds(range);
      const rows = await ops.store.dailyOutcomes(start, end);
      return governanceReport(range, rows, deps.now(), reasonDisplays);
    } catch (error) {
      ops.metrics.storeFailures.inc({ operation: 'governance', reason: 'error' });
      logger.error({ err: errorSummary(error) }, 'governance report: store read failed');
      res.status(503).json(outcome('transient', 'the feedback store is unavailable; try again later'));
      return undefined;
    }
  };
  router.get('/governance', async (req, res) => {
    const body = await report(req, res);
    if (body) res.json(body);
  });
  router.get('/governance.csv', async (req, res) => {
    const body = await report(req, res);
    if (!body) return;
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="cds-governance-${body.from}-to-${body.to}.csv"`)
      .send(governanceCsv(body));
  });

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
