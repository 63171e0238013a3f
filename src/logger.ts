/**
 * The service logger (pino, JSON lines). Log lines carry ids, counts and
 * reasons only: never tokens, request bodies or patient data.
 */
import { pino, type Logger } from 'pino';

/** Creates the logger at the given level. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'rls-cds-hooks' },
    redact: { paths: ['req.headers.authorization', '*.access_token', '*.accessToken'], censor: '[redacted]' },
  });
}

export type { Logger };
