/**
 * Human-readable log output for the demo and development (pino-pretty, a
 * development dependency). Where it is not installed, e.g. in the production
 * image, the logs stay JSON lines.
 */
import type { DestinationStream } from 'pino';

/** A pino-pretty stream to stdout, or undefined (JSON) when pino-pretty is not installed. */
export async function prettyDestination(): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({
      colorize: process.stdout.isTTY,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
    });
  } catch {
    process.stderr.write('LOG_FORMAT=pretty needs pino-pretty (a dev dependency); logging JSON lines\n');
    return undefined;
  }
}
