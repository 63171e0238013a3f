/**
 * Replay protection for JWT `jti`s: a token id is accepted once within its
 * lifetime. In memory for a single instance; in Redis (`SET key 1 NX EX ttl`)
 * when several replicas sit behind one load balancer.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** Remembers token ids for as long as their tokens could be replayed. */
export interface ReplayCache {
  /**
   * Records `key` for `ttlSeconds`. Resolves true the first time a key is
   * seen within that time, false for a replay. Rejects when the cache cannot
   * be reached (the caller then refuses the call: fail closed).
   */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Releases connections. */
  close(): Promise<void>;
  /** Tokens refused because the cache was full of unexpired ids (in-memory cache only). */
  readonly refusedWhenFull?: number;
}

/** Rejection of {@link ReplayCache.claim} when the cache is full of ids that have not expired. */
export class ReplayCacheFull extends Error {
  constructor() {
    super('replay cache full of unexpired token ids');
    this.name = 'ReplayCacheFull';
  }
}

/** The cache key of a token: a digest, so that length and characters of `iss`/`jti` do not matter. */
export function replayKey(iss: string, jti: string): string {
  return createHash('sha256').update(iss).update('\u0000').update(jti).digest('hex');
}

/**
 * In-process replay cache, bounded. On every claim, expired entries at the
 * front of the insertion order are dropped (amortised O(1)), so memory follows
 * the traffic of one token lifetime rather than creeping up to the bound; when
 * full, every expired entry is swept. An id that has not expired is never
 * forgotten to make room (that would let its token be replayed): when the
 * cache is full of live ids, the claim is rejected with {@link ReplayCacheFull}
 * and the call refused (503) until ids expire. Size the bound above the number
 * of calls in one maximum token lifetime, or use Redis.
 */
export class MemoryReplayCache implements ReplayCache {
  private readonly expiries = new Map<string, number>();
  private refusals = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of remembered keys (for tests and metrics). */
  get size(): number {
    return this.expiries.size;
  }

  /** Tokens refused because the cache was full of unexpired ids. */
  get refusedWhenFull(): number {
    return this.refusals;
  }

  claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > now) return Promise.resolve(false);
    this.expiries.delete(key);
    this.dropExpiredFront(now);
    // A full sweep at most once a second: when full of live ids, refusing must stay cheap.
    if (this.expiries.size >= this.maxEntries && now - this.lastSweep >= 1000) this.sweepExpired(now);
    if (this.expiries.size >= this.maxEntries) {
      this.refusals += 1;
      return Promise.reject(new ReplayCacheFull());
    }
    this.expiries.set(key, now + ttlSeconds * 1000);
    return Promise.resolve(true);
  }

  private dropExpiredFront(now: number): void {
    for (const [k, e] of this.expiries) {
      if (e > now) break;
      this.expiries.delete(k);
    }
  }

  private sweepExpired(now: number): void {
    this.lastSweep = now;
    for (const [k, e] of this.expiries) if (e <= now) this.expiries.delete(k);
  }

  close(): Promise<void> {
    this.expiries.clear();
    return Promise.resolve();
  }
}

/** Replay cache shared through Redis: one `SET NX EX` per token, atomic across replicas. */
export class RedisReplayCache implements ReplayCache {
  private readonly redis: Redis;
  private failing = false;

  /**
   * @param url `redis://` or `rediss://` URL (never logged: it may hold a password).
   * @param prefix key prefix, so that several services can share one Redis.
   */
  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly prefix = 'rls-cds:jti:',
  ) {
    this.redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 2000,
      enableAutoPipelining: true,
    });
    // One line when Redis goes away and one when it is back, not one per reconnect attempt.
    this.redis.on('error', (error: Error) => {
      if (this.failing) return;
      this.failing = true;
      this.logger.error(
        { err: { name: error.name, code: (error as NodeJS.ErrnoException).code } },
        'replay cache: Redis unavailable; authenticated calls are refused until it is back',
      );
    });
    this.redis.on('ready', () => {
      if (!this.failing) return;
      this.failing = false;
      this.logger.info('replay cache: Redis available again');
    });
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.redis.set(
      this.prefix + key,
      '1',
      'EX',
      Math.max(1, Math.ceil(ttlSeconds)),
      'NX',
    );
    return result === 'OK';
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
