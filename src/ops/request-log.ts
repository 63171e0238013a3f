/**
 * One log line per request (pino-http), built from an allow-list: method,
 * route pattern (never the URL as sent: paths and queries can carry patient
 * ids), status, duration, and what the route added with {@link setLogFields}.
 * No headers, no bodies, so no tokens and no patient data.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';

/** Probes and scrapes: not logged (they would drown the hook calls). */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

interface LogLocals {
  logFields?: Record<string, unknown>;
  logMessage?: string;
}

/** Adds fields to the request's log line (ids, codes and counts only). */
export function setLogFields(res: Response, fields: Record<string, unknown>, message?: string): void {
  const locals = res.locals as LogLocals;
  locals.logFields = { ...locals.logFields, ...fields };
  if (message) locals.logMessage = message;
}

/** The route pattern that handled the request, e.g. `/cds-services/:id`. */
export function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return req.baseUrl ? `${req.baseUrl}/*` : '(no route)';
}

function lineFor(req: IncomingMessage, res: ServerResponse, val: { durationMs?: number }): object {
  const locals = (res as Response).locals as LogLocals | undefined;
  return {
    method: req.method,
    route: routeOf(req as Request),
    status: res.statusCode,
    durationMs: val.durationMs,
    ...locals?.logFields,
  };
}

/** The request-logging middleware. */
export function requestLogger(logger: Logger): RequestHandler {
  const middleware = pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { responseTime: 'durationMs' },
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, val: { durationMs?: number }) => lineFor(req, res, val),
    customErrorObject: (req, res, _error, val: { durationMs?: number }) => lineFor(req, res, val),
    customSuccessMessage: (req, res) =>
      ((res as Response).locals as LogLocals | undefined)?.logMessage ??
      (res.writableEnded ? 'request completed' : 'request aborted'),
    customErrorMessage: (_req, res) =>
      ((res as Response).locals as LogLocals | undefined)?.logMessage ?? 'request failed',
  });
  return middleware;
}
