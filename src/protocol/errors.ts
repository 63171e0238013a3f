/**
 * Errors a request can cause, and their answers. Every non-2xx answer
 * (except 401, which says nothing) is a FHIR OperationOutcome with a plain
 * message: no stack trace, no token, no patient data.
 *
 * Code that refuses a request throws one of the {@link RequestError}
 * classes below; {@link errorResponse} is the one mapping from them to an
 * HTTP status and body, used by every router (hooks, feedback, the
 * simulator, the admin routes) and by the app's last error handler.
 */
import type { Response } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';

/** The FHIR issue type of an OperationOutcome issue. */
export type IssueType = OperationOutcome['issue'][number]['code'];

/** An OperationOutcome with one error issue. */
export function outcome(code: IssueType, diagnostics: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** A refusal the caller can act on: its message is safe to send back as it is. */
export abstract class RequestError extends Error {
  /** The HTTP status of the answer. */
  abstract readonly status: number;
  /** The OperationOutcome issue type. */
  abstract readonly issueType: IssueType;
  /** Seconds after which the request may be sent again (a `Retry-After` header). */
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    /** The offending part of the request (`prefetch.medications`, `feedback.2.card`, `from`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A field-level validation failure (400); the message starts with the field. */
export class ValidationError extends RequestError {
  readonly status = 400;
  readonly issueType = 'invalid';
  declare readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, field);
  }
}

/** Something the request names does not exist (404). */
export class NotFoundError extends RequestError {
  readonly status = 404;
  readonly issueType = 'not-found';
}

/** The caller may not do this to what it names (403). */
export class ForbiddenError extends RequestError {
  readonly status = 403;
  readonly issueType = 'forbidden';
}

/** The request asks for more than the service takes in one call (413). */
export class TooCostlyError extends RequestError {
  readonly status = 413;
  readonly issueType = 'too-costly';
}

/** The service cannot answer now; the same request may succeed later (503). */
export class UnavailableError extends RequestError {
  readonly status = 503;
  readonly issueType = 'transient';
  constructor(
    message: string,
    override readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The answer to a {@link RequestError}; `field` names the offending part of the request. */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: OperationOutcome;
  readonly field?: string;
  readonly retryAfterSeconds?: number;
}

/**
 * The one mapping from refusals to OperationOutcome answers. Undefined for
 * any other error (the app answers those with a 500 that says nothing of
 * its internals).
 */
export function errorResponse(error: unknown): ErrorAnswer | undefined {
  if (!(error instanceof RequestError)) return undefined;
  return {
    status: error.status,
    body: outcome(error.issueType, error.message, error.field),
    ...(error.field ? { field: error.field } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  };
}

/** Answers a {@link RequestError}; false when `error` is not one, for the caller to rethrow. */
export function sendKnownError(res: Response, error: unknown): boolean {
  const known = errorResponse(error);
  if (!known) return false;
  sendAnswer(res, known);
  return true;
}

/** Sends an {@link ErrorAnswer} (status, `Retry-After` when given, the OperationOutcome). */
export function sendAnswer(res: Response, answer: ErrorAnswer): void {
  if (answer.retryAfterSeconds !== undefined) res.set('Retry-After', String(answer.retryAfterSeconds));
  res.status(answer.status).json(answer.body);
}
