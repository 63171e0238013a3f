/**
 * The express side of authentication: read the bearer token, verify it for
 * the endpoint called, and answer 401 with nothing in the body when it fails.
 * The log line says why (reason, iss, jti) and names the route pattern (never
 * the path as sent, nor its query); the token is never logged.
 */
import type { RequestHandler, Response } from 'express';
import { UnavailableError, sendKnownError } from '../protocol/errors.js';
import type { Logger } from '../logger.js';
import { routeOf } from '../ops/request-log.js';
import { type VerifiedCaller, type VerifySettings, verifyToken } from './verify.js';

/** What the middleware needs besides the verification settings. */
export interface MiddlewareSettings extends VerifySettings {
  /** The external base URL (`CDS_PUBLIC_URL`), without trailing slash: audiences are built from it. */
  readonly publicUrl: string;
  readonly logger: Logger;
}

const CALLER = 'cdsCaller';

/** The verified caller of this request, when authentication is on and passed. */
export function callerOf(res: Response): VerifiedCaller | undefined {
  return (res.locals as Record<string, VerifiedCaller | undefined>)[CALLER];
}

/** The `aud` a token must carry to call this request's endpoint: the endpoint's external URL. */
export function expectedAudience(publicUrl: string, path: string): string {
  return `${publicUrl}${path}`;
}

/** Builds the authentication middleware for the CDS Hooks endpoints. */
export function authenticationMiddleware(settings: MiddlewareSettings): RequestHandler {
  return async (req, res, next) => {
    const path = req.baseUrl + req.path;
    const header = req.get('authorization');
    const match = header ? /^Bearer +(\S+)\s*$/i.exec(header) : null;
    const result = match?.[1]
      ? await verifyToken(match[1], expectedAudience(settings.publicUrl, path), settings)
      : ({
          ok: false,
          status: 401,
          reason: header ? 'authorization header is not a bearer token' : 'no bearer token',
        } as const);
    if (result.ok) {
      (res.locals as Record<string, VerifiedCaller>)[CALLER] = result.caller;
      next();
      return;
    }
    settings.logger.warn(
      {
        method: req.method,
        route: routeOf(req),
        status: result.status,
        auth: { reason: result.reason, iss: result.iss, jti: result.jti },
      },
      'authentication refused',
    );
    if (result.status === 503) {
      sendKnownError(res, new UnavailableError('calls cannot be authenticated right now; try again later'));
      return;
    }
    res.status(401).set('WWW-Authenticate', 'Bearer').end();
  };
}
