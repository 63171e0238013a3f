/**
 * Error bodies. Every non-2xx answer (except 401, which says nothing) is a
 * FHIR OperationOutcome with a plain message: no stack trace, no token, no
 * patient data.
 */
import type { OperationOutcome } from 'fhir/r4.js';

/** An OperationOutcome with one error issue. */
export function outcome(
  code: OperationOutcome['issue'][number]['code'],
  diagnostics: string,
  expression?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}
