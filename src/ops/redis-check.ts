/**
 * Readiness of Redis (the JWT replay cache when REDIS_URL is set): a PING on
 * a small connection of its own, so that readiness never waits behind replay
 * traffic and the auth module stays unaware of probes.
 */
import { Redis } from 'ioredis';
import type { ReadinessCheck } from './health.js';

/** A readiness check that PINGs Redis, and the function that closes its connection. */
export function redisReadiness(url: string): { check: ReadinessCheck; close: () => Promise<void> } {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    commandTimeout: 1500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Connection errors surface as a failed PING; the replay cache logs the outage itself.
  redis.on('error', () => undefined);
  return {
    check: {
      name: 'redis',
      check: async () => {
        if (redis.status === 'wait') await redis.connect();
        const answer = await redis.ping();
        if (answer !== 'PONG') throw new Error('unexpected answer to PING');
      },
    },
    close: async () => {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
