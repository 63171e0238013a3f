/**
 * Retention of the card log and feedback: rows older than the configured
 * number of days are deleted at start-up and then once a day. Feedback can
 * carry free text about patients, so nothing is kept longer than needed
 * for the governance reports.
 */
import type { OpsStore, PurgeResult } from './types.js';

const DAY_MS = 86_400_000;

/** Settings and reporting of the retention job. */
export interface RetentionOptions {
  readonly store: Pick<OpsStore, 'purgeOlderThan'>;
  /** Rows older than this many days are deleted. */
  readonly days: number;
  readonly now: () => Date;
  /** Time between runs after the first (default: one day). */
  readonly intervalMs?: number;
  /** A run finished (rows deleted, cutoff used). */
  readonly onPurged?: (result: PurgeResult, cutoff: Date) => void;
  /** A run failed; the next one is tried at the next interval. */
  readonly onError?: (error: unknown) => void;
}

/** The oldest time kept when `days` are retained at `now`. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** A running retention job. */
export interface RetentionJob {
  /** Resolves when the start-up run has finished (or failed and been reported). */
  readonly firstRun: Promise<void>;
  /** Stops the daily runs. */
  stop(): void;
}

/**
 * Runs the purge now and then every `intervalMs` (a day by default); the
 * timer never keeps the process alive. Failures are reported, never thrown.
 */
export function startRetention(options: RetentionOptions): RetentionJob {
  const run = async (): Promise<void> => {
    const cutoff = retentionCutoff(options.now(), options.days);
    try {
      const result = await options.store.purgeOlderThan(cutoff);
      options.onPurged?.(result, cutoff);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const firstRun = run();
  const timer = setInterval(() => void run(), options.intervalMs ?? DAY_MS);
  timer.unref();
  return { firstRun, stop: () => clearInterval(timer) };
}
