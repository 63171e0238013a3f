/**
 * Liveness and readiness. `/healthz` says the process answers; `/readyz`
 * runs the readiness checks (store, Redis when configured, card templates)
 * and answers 503 while any fails or while the service shuts down, so a load
 * balancer stops sending it calls.
 */
import type { RequestHandler } from 'express';

/** One dependency the service needs to take calls. `check` rejects when it is not available. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

/** Time allowed for one readiness check. */
export const CHECK_TIMEOUT_MS = 2000;

async function run(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), timeoutMs);
  });
  try {
    // Reasons stay generic: driver messages can name hosts or users.
    return await Promise.race([
      check.check().then(
        () => 'ok',
        () => 'unavailable',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /readyz`: 200 when every check passes, else 503 naming the failing checks. */
export function readinessHandler(
  checks: readonly ReadinessCheck[],
  isDraining: () => boolean,
  timeoutMs = CHECK_TIMEOUT_MS,
): RequestHandler {
  return async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (isDraining()) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    const results = await Promise.all(checks.map(async (c) => [c.name, await run(c, timeoutMs)] as const));
    const ready = results.every(([, r]) => r === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  };
}
