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
import { UnavailableError, outcome } from '../protocol/errors.js';
import type { Logger } from '../logger.js';
import { errorSummary, type Operations } from '../ops/operations.js';
import { governanceCsv, governanceReport, parseRange, rangeBounds } from './governance.js';
import { SinceError, parseSince, summaryBody } from './summary.js';

/** Where `npm run build` puts the pages (dist/web at the project root, from src/ or dist/ alike). */
export const DEFAULT_PAGES_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The dashboard's files, by URL path under /admin. Nothing else is served from the folder. */
const PAGE_FILES: Readonly<Record<string, string>> = {
  '/': 'admin.html',
  '/admin.js': 'admin.js',
  '/admin.css': 'admin.css',
  '/base.css': 'base.css',
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

  /** Logs and counts a failed store read, and gives the refusal to throw. */
  const storeUnavailable = (operation: string, error: unknown, what: string): UnavailableError => {
    ops.metrics.storeFailures.inc({ operation, reason: 'error' });
    logger.error({ err: errorSummary(error) }, `${what}: store read failed`);
    return new UnavailableError('the feedback store is unavailable; try again later');
  };

  const report = async (req: Request, res: Response): Promise<ReturnType<typeof governanceReport>> => {
    res.set('Cache-Control', 'no-store');
    const range = parseRange(req.query.from, req.query.to, deps.now());
    const { start, end } = rangeBounds(range);
    let rows;
    try {
      rows = await ops.store.dailyOutcomes(start, end);
    } catch (error) {
      throw storeUnavailable('governance', error, 'governance report');
    }
    return governanceReport(range, rows, deps.now(), reasonDisplays);
  };
  router.get('/governance', async (req, res) => {
    res.json(await report(req, res));
  });
  router.get('/governance.csv', async (req, res) => {
    const body = await report(req, res);
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="cds-governance-${body.from}-to-${body.to}.csv"`)
      .send(governanceCsv(body));
  });

  router.get('/feedback-summary', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const raw = req.query.since;
    if (raw !== undefined && typeof raw !== 'string') throw new SinceError('must be given once');
    const since = parseSince(raw);
    let summary;
    try {
      summary = await ops.store.feedbackSummary(since);
    } catch (error) {
      throw storeUnavailable('feedback_summary', error, 'feedback summary');
    }
    res.json(summaryBody(summary, deps.now()));
  });
  return router;
}
