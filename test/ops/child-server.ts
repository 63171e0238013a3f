/**
 * The service as a real process (`node dist/server.js`, built once by the
 * system tier's global set-up), for the tests that need signals and exit
 * codes. Logs are JSON lines on stdout.
 */
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The project root (the child's working directory). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The compiled entry point of a program under src/, e.g. `distEntry('cli/report')`. */
export function distEntry(program: string): string {
  return fileURLToPath(new URL(`../../dist/${program}.js`, import.meta.url));
}

/** The compiled server. */
export const SERVER_ENTRY = distEntry('server');

/** Runs the server to its end with exactly `env` (plus PATH); for start-up refusals. */
export function runServiceSync(env: Record<string, string>, timeoutMs = 30_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

/** A running service process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The log lines so far, parsed. */
  readonly lines: () => Record<string, unknown>[];
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Starts the service on a free loopback port and waits until it listens. */
export async function startService(env: Record<string, string>, timeoutMs = 20_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      DEMO_FHIR: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const listening = lines().find((l) => typeof l.port === 'number' && String(l.msg).includes('listening'));
    if (listening) return { child, port: listening.port as number, lines, exited };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`the service did not start:\n${err}\n${out}`);
}
