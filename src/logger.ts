/**
 * The service logger (pino, JSON lines). Log lines carry ids, counts and
 * reasons only: never tokens, request bodies or patient data.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Creates the logger at the given level (to stdout, or to `destination`, e.g. a test's capture stream). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'rls-cds-hooks' },
    redact: { paths: ['req.headers.authorization', '*.access_token', '*.accessToken'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
