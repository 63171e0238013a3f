/**
 * Authentication of CDS clients (CDS Hooks 2.0 §Security): assembled from
 * the configuration at start-up. Without a clients file (never in
 * production) there is none, and the start-up log says so loudly.
 */
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type ClientRegistry, type RegisteredClient, loadClients } from './clients.js';
import { type JwksOptions, KeySources } from './keys.js';
import { authenticationMiddleware } from './middleware.js';
import { MemoryReplayCache, RedisReplayCache, type ReplayCache } from './replay.js';

export { callerOf } from './middleware.js';
export { fhirServerProblem } from './fhir-server.js';
export type { RegisteredClient, ClientRegistry } from './clients.js';
export type { ReplayCache } from './replay.js';

/** Authentication, ready to put in front of the CDS Hooks routes. */
export interface Auth {
  /** Verifies the bearer JWT; 401 (empty body) on failure. */
  readonly authenticate: RequestHandler;
  readonly clients: ClientRegistry;
  /** Releases the replay cache (Redis connection). */
  close(): Promise<void>;
  /** Tokens refused (503) so far because the in-memory replay cache was full of unexpired ids. */
  replayCacheFullRefusals(): number;
}

/** Everything authentication is built from. */
export interface AuthSettings {
  readonly clients: ClientRegistry;
  readonly replayCache: ReplayCache;
  /** External base URL, without trailing slash. */
  readonly publicUrl: string;
  readonly clockSkewSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly jwks: JwksOptions;
  readonly logger: Logger;
  /** The clock (tests fix it). */
  readonly now?: () => Date;
}

/** Builds authentication from explicit settings (tests use this directly). */
export function createAuth(settings: AuthSettings): Auth {
  const keys = new KeySources(settings.clients, settings.jwks);
  return {
    clients: settings.clients,
    authenticate: authenticationMiddleware({
      clients: settings.clients,
      keys,
      replayCache: settings.replayCache,
      clockSkewSeconds: settings.clockSkewSeconds,
      maxLifetimeSeconds: settings.maxLifetimeSeconds,
      now: settings.now ?? (() => new Date()),
      publicUrl: settings.publicUrl,
      logger: settings.logger,
    }),
    close: () => settings.replayCache.close(),
    replayCacheFullRefusals: () => settings.replayCache.refusedWhenFull ?? 0,
  };
}

/**
 * Builds authentication from the configuration: the clients file, and the
 * replay cache in Redis when `REDIS_URL` is set, else in memory. Returns
 * undefined, after a loud warning, when no clients file is configured
 * (loadConfig already refuses that in production).
 *
 * @param extraClients clients registered besides those of the file (the demo
 *   issuer, never in production); an `iss` already in the file is refused.
 */
export function authFromConfig(
  config: Config,
  logger: Logger,
  now?: () => Date,
  extraClients: readonly RegisteredClient[] = [],
): Auth | undefined {
  if (!config.clientsFile) {
    logger.warn(
      'AUTHENTICATION IS OFF: no CDS_CLIENTS_FILE is configured, so any caller can use this service and send it any fhirServer. Never run it like this outside a development machine.',
    );
    return undefined;
  }
  const clients = new Map(loadClients(config.clientsFile, config.production));
  for (const client of extraClients) {
    if (clients.has(client.iss))
      throw new Error(
        `CDS_CLIENTS_FILE: ${config.clientsFile} lists "${client.iss}", which is reserved for the ${client.name}`,
      );
    clients.set(client.iss, client);
  }
  const replayCache = config.redisUrl
    ? new RedisReplayCache(config.redisUrl, logger)
    : new MemoryReplayCache(config.replayCacheMaxEntries);
  logger.info(
    { clients: [...clients.values()].map((c) => c.name), replayCache: config.redisUrl ? 'redis' : 'memory' },
    'authentication on: CDS Hooks JWTs required on discovery, service and feedback calls',
  );
  return createAuth({
    clients,
    replayCache,
    publicUrl: config.publicUrl,
    clockSkewSeconds: config.jwtClockSkewSeconds,
    maxLifetimeSeconds: config.jwtMaxLifetimeSeconds,
    jwks: {
      cacheMaxAgeMs: config.jwksCacheMaxAgeSeconds * 1000,
      cooldownMs: config.jwksCooldownSeconds * 1000,
      timeoutMs: 5000,
    },
    logger,
    ...(now ? { now } : {}),
  });
}
