/**
 * Where a client's signing keys come from. jose does the work: a static JWKS
 * becomes a local key set; a JWKS URL (the client's `jwksUrl`, or a `jku`
 * from its allow-list) becomes a remote key set that caches the keys for a
 * bounded time, refetches once when a token names an unknown `kid`, and
 * never refetches more often than the cooldown allows. Only URLs written in
 * the clients file are ever fetched.
 */
import { type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, customFetch } from 'jose';
import { limitedDispatcher } from '../fhir/limited-dispatcher.js';
import type { ClientRegistry, RegisteredClient } from './clients.js';
import { normalizeUrl } from './clients.js';

/** JWKS fetching limits. */
export interface JwksOptions {
  /** How long fetched keys are used before they are fetched again (ms). */
  readonly cacheMaxAgeMs: number;
  /** Minimum time between two fetches of one JWKS URL, unknown `kid`s included (ms). */
  readonly cooldownMs: number;
  /** Time allowed for one JWKS fetch (ms). */
  readonly timeoutMs: number;
  /** The clock for the cooldown (ms since the epoch; tests set it). */
  readonly now?: () => number;
}

/** Thrown instead of fetching a JWKS URL again within the cooldown of its last fetch. */
export class JwksCoolingDown extends Error {
  readonly code = 'CDS_JWKS_COOLDOWN';
  constructor() {
    super('JWKS URL fetched less than the cooldown ago');
    this.name = 'JwksCoolingDown';
  }
}

/** The key set to verify one token with, or why there is none. */
export type KeySelection =
  { readonly ok: true; readonly keys: JWTVerifyGetKey } | { readonly ok: false; readonly reason: string };

const MAX_JWKS_BYTES = 256 * 1024;

/** Key sets for every registered client, built once. */
export class KeySources {
  private readonly local = new Map<string, JWTVerifyGetKey>();
  private readonly remote = new Map<string, JWTVerifyGetKey>();

  constructor(clients: ClientRegistry, options: JwksOptions) {
    // A JWKS is small: refuse oversized answers, and never follow redirects (jose asks for redirect: manual).
    const dispatcher = limitedDispatcher(MAX_JWKS_BYTES);
    // At most one fetch per URL per cooldown window, whatever its outcome: jose's own cooldown only
    // starts after a successful fetch, so a failing URL (500, redirect, oversized) would be fetched
    // again for every token.
    const now = options.now ?? Date.now;
    const lastFetch = new Map<string, number>();
    const fetchJwks = (url: string, init: RequestInit): Promise<Response> => {
      const t = now();
      const last = lastFetch.get(url);
      if (last !== undefined && t - last < options.cooldownMs) return Promise.reject(new JwksCoolingDown());
      lastFetch.set(url, t);
      return fetch(url, { ...init, dispatcher });
    };
    const remoteSet = (url: string): void => {
      if (this.remote.has(url)) return;
      this.remote.set(
        url,
        createRemoteJWKSet(new URL(url), {
          cacheMaxAge: options.cacheMaxAgeMs,
          cooldownDuration: options.cooldownMs,
          timeoutDuration: options.timeoutMs,
          [customFetch]: fetchJwks,
        }),
      );
    };
    for (const client of clients.values()) {
      if (client.jwks)
        this.local.set(client.iss, createLocalJWKSet({ keys: client.jwks.keys.map((k) => ({ ...k })) }));
      if (client.jwksUrl) remoteSet(client.jwksUrl);
      for (const jku of client.allowedJku) remoteSet(jku);
    }
  }

  /**
   * The keys for a token of `client` whose header carries `jku` (or none).
   * A `jku` must be on the client's allow-list (its `allowedJku` or its
   * `jwksUrl`); any other is refused without being fetched. Without `jku`,
   * the static JWKS is used, else the `jwksUrl`.
   */
  select(client: RegisteredClient, jku: unknown): KeySelection {
    if (jku !== undefined) {
      if (typeof jku !== 'string') return { ok: false, reason: 'jku header is not a string' };
      let normalized: string;
      try {
        normalized = normalizeUrl(jku);
      } catch {
        return { ok: false, reason: 'jku header is not a URL' };
      }
      if (!client.allowedJku.includes(normalized) && client.jwksUrl !== normalized)
        return { ok: false, reason: 'jku not on the allow-list of this client' };
      const keys = this.remote.get(normalized);
      return keys ? { ok: true, keys } : { ok: false, reason: 'jku not on the allow-list of this client' };
    }
    const local = this.local.get(client.iss);
    if (local) return { ok: true, keys: local };
    const remote = client.jwksUrl ? this.remote.get(client.jwksUrl) : undefined;
    if (remote) return { ok: true, keys: remote };
    return { ok: false, reason: 'no jku header and this client has only jku key sources' };
  }
}
