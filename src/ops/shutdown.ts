/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting connections and mark
 * the service not ready, let calls in flight finish, flush the card-log
 * queue, close the store and other resources, exit 0. If all that takes
 * longer than the grace period, connections are cut and the exit code is 1.
 * A second signal exits at once.
 */
import type { Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { Operations } from './operations.js';

/** What shutdown needs. */
export interface ShutdownOptions {
  readonly server: Server;
  readonly logger: Logger;
  readonly ops: Operations;
  /** Time allowed for everything, from the signal to the exit. */
  readonly graceMs: number;
  /** Closed after the card log is flushed (e.g. the JWT replay cache). */
  readonly closers?: readonly (() => Promise<unknown> | undefined)[];
  readonly exit?: (code: number) => void;
}

/** Returns the signal handler; call it with the signal's name. */
export function gracefulShutdown(options: ShutdownOptions): (signal: string) => Promise<void> {
  const { server, logger, ops, graceMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;

  return async (signal) => {
    if (started) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    started = true;
    const deadline = Date.now() + graceMs;
    ops.lifecycle.draining = true;
    logger.info({ signal, graceMs }, 'shutting down: finishing calls in flight');

    const overdue = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown grace period over: closing open connections');
      server.closeAllConnections();
      exit(1);
    }, graceMs);
    overdue.unref();

    // Keep-alive connections become idle once their call is answered: close them as they do.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    idle.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearInterval(idle);

    const left = await ops.cardLog.flush(Math.max(0, deadline - Date.now()));
    if (left > 0) logger.error({ entries: left }, 'card log: entries not written at shutdown');
    const heldLeft = await ops.suppressedLog.flush(Math.max(0, deadline - Date.now()));
    if (heldLeft > 0)
      logger.error({ entries: heldLeft }, 'suppressed-card log: entries not written at shutdown');
    for (const close of options.closers ?? []) {
      try {
        await close();
      } catch {
        // closing is best effort
      }
    }
    await ops.store.close().catch(() => undefined);
    clearTimeout(overdue);
    logger.info('stopped');
    exit(0);
  };
}
