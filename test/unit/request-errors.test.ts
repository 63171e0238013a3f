import { describe, expect, test } from '@jest/globals';
import {
  ForbiddenError,
  NotFoundError,
  TooCostlyError,
  UnavailableError,
  ValidationError,
  errorResponse,
} from '../../src/protocol/errors.js';
import { SinceError } from '../../src/admin/summary.js';
import { ReportRangeError } from '../../src/admin/governance.js';
import { FeedbackBatchTooLargeError } from '../../src/cds-hooks/feedback.js';
import { PrefetchShapeError } from '../../src/fhir/gather.js';
import { UnknownServiceError } from '../../src/cds-hooks/routes.js';

describe('one mapping from refusals to OperationOutcome answers', () => {
  const cases: readonly (readonly [Error, number, string, string | undefined])[] = [
    [new ValidationError('context.patientId', 'is required'), 400, 'invalid', 'context.patientId'],
    [new PrefetchShapeError('prefetch.conditions'), 400, 'invalid', 'prefetch.conditions'],
    [new ReportRangeError('from', 'must not be after to'), 400, 'invalid', 'from'],
    [new SinceError('must be given once'), 400, 'invalid', 'since'],
    [
      new ForbiddenError('feedback.0.card: was not issued to this client', 'feedback.0.card'),
      403,
      'forbidden',
      'feedback.0.card',
    ],
    [new UnknownServiceError('no-such-service'), 404, 'not-found', undefined],
    [new FeedbackBatchTooLargeError(50), 413, 'too-costly', 'feedback'],
    [new UnavailableError('the feedback store is unavailable; try again later'), 503, 'transient', undefined],
  ];
  test.each(cases.map(([error, ...rest]) => [error.name, ...rest, error] as const))(
    '%s answers %i with issue type %s, naming the field when there is one',
    (_name, status, code, field, error) => {
      const answer = errorResponse(error);
      expect(answer?.status).toBe(status);
      const issue = answer?.body.issue[0];
      expect(issue?.code).toBe(code);
      expect(issue?.severity).toBe('error');
      expect(issue?.diagnostics).toBe(error.message);
      expect(issue?.expression).toEqual(field ? [field] : undefined);
      if (field) expect(error.message.startsWith(field)).toBe(true);
    },
  );

  test('a refusal that may be retried carries Retry-After seconds', () => {
    expect(errorResponse(new UnavailableError('retry later', 30))?.retryAfterSeconds).toBe(30);
    expect(errorResponse(new UnavailableError('retry later'))?.retryAfterSeconds).toBeUndefined();
  });

  test('an unexpected error is not mapped, so its message never reaches the caller', () => {
    const internal = new Error('connect ECONNREFUSED 10.0.0.5:5432 as user cds with password hunter2');
    expect(errorResponse(internal)).toBeUndefined();
    expect(errorResponse('a string thrown by a library')).toBeUndefined();
    expect(errorResponse(undefined)).toBeUndefined();
  });

  test('the class name survives for logs (ValidationError, not Error)', () => {
    expect(new ValidationError('hook', 'is required').name).toBe('ValidationError');
    expect(new NotFoundError('x').name).toBe('NotFoundError');
    expect(new TooCostlyError('x').name).toBe('TooCostlyError');
  });
});
