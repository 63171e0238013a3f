/**
 * Keyed hashes for remembering findings without storing who they were about:
 * the patient id, the facts a rule used and the ordering session are each
 * reduced to an HMAC-SHA256 with a server secret (`CDS_PATIENT_KEY_SECRET`).
 * Without the secret the hashes cannot be recomputed from a guessed patient
 * id or lab value, so the store holds no patient identifier and no value.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Finding } from '../rules/types.js';

/** Shortest secret accepted (characters). */
export const MIN_SECRET_CHARS = 32;

/**
 * Relative durations in evidence lines ("started 2026-09-01, 8 weeks ago")
 * change with the clock, not with the facts; they are left out of the
 * fingerprint so that a card is the same finding tomorrow.
 */
const RELATIVE_TIME = /\b\d+(?:\.\d+)? (?:minute|hour|day|week|month|year)s? ago\b/g;

/** Canonical JSON: object keys sorted at every level, so equal facts give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value.replace(RELATIVE_TIME, '(time ago)'));
  return JSON.stringify(value);
}

/**
 * The facts of a finding, as data: everything the rule returned about the
 * patient (values, evidence with dates and units, computations, missing
 * data, suggestions with the drafts they name, the variant and any taper),
 * read generically from the finding so that no rule has to declare them.
 */
export function factsOf(finding: Finding): string {
  const { ruleId, indicator, values, evidence, computed, missing, suggestions, variant, taper } = finding;
  return canonical({ ruleId, indicator, values, evidence, computed, missing, suggestions, variant, taper });
}

/** HMAC-SHA256 keyed hashes of patient ids, facts and ordering sessions. */
export class KeyedHasher {
  private readonly secret: Buffer;

  /** Uses `secret`; without one, a random key for this process only (nothing is remembered across restarts). */
  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  private hash(domain: string, value: string): string {
    return createHmac('sha256', this.secret).update(`${domain}\u0000${value}`).digest('hex');
  }

  /** The keyed hash of a patient id (as normalised by the request parser). */
  patient(patientId: string): string {
    return this.hash('patient', patientId);
  }

  /** The facts fingerprint of a finding. */
  facts(finding: Finding): string {
    return this.hash('facts', factsOf(finding));
  }

  /** The ordering session: the same clinician in the same encounter (or none). */
  session(userId: string, encounterId: string | undefined): string {
    return this.hash('session', `${userId}\u0000${encounterId ?? ''}`);
  }
}
