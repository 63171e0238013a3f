/**
 * Verification of one CDS Hooks 2.0 bearer JWT, without HTTP: header checks,
 * issuer lookup, signature and claims (jose), tenant, lifetime and replay.
 * Every refusal carries a reason for the log line; none is ever sent to the caller.
 */
import { type JWTPayload, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { ClientRegistry, RegisteredClient } from './clients.js';
import type { KeySources } from './keys.js';
import { type ReplayCache, ReplayCacheFull, replayKey } from './replay.js';

/** Settings of token verification. */
export interface VerifySettings {
  readonly clients: ClientRegistry;
  readonly keys: KeySources;
  readonly replayCache: ReplayCache;
  /** Clock skew tolerated on `exp`, `iat` and `nbf` (s). */
  readonly clockSkewSeconds: number;
  /** Longest accepted token lifetime, `exp - iat`, and oldest accepted `iat` (s). */
  readonly maxLifetimeSeconds: number;
  readonly now: () => Date;
}

/** Who called, once the token is verified. */
export interface VerifiedCaller {
  readonly client: RegisteredClient;
  readonly iss: string;
  readonly jti: string;
  readonly tenant?: string;
}

/** The outcome of verification. `status` 503 means the replay cache could not be asked. */
export type VerifyResult =
  | { readonly ok: true; readonly caller: VerifiedCaller }
  | {
      readonly ok: false;
      readonly status: 401 | 503;
      readonly reason: string;
      readonly iss?: string;
      readonly jti?: string;
    };

const MAX_TOKEN_CHARS = 16_384;
const MAX_JTI_CHARS = 256;
const FORBIDDEN_ALG = /^(none|HS\d+)$/i;

/** A short, loggable form of an unverified string claim. */
function loggable(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 200) : undefined;
}

/** The reason for a jose failure, from its error code (never the token). */
function joseReason(error: unknown): string {
  const e = error as { code?: string; claim?: string; reason?: string };
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return `token expired (${e.claim ?? 'exp'})`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim ${e.claim ?? '?'} ${e.reason ?? 'invalid'}`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no key with this kid in the JWKS';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'several keys match this kid';
    case 'ERR_JWKS_TIMEOUT':
      return 'JWKS fetch timed out';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWKS_INVALID':
      return 'JWKS invalid';
    case 'CDS_JWKS_COOLDOWN':
      return 'JWKS not fetched again within the cooldown after the last fetch';
    case 'ERR_JOSE_GENERIC':
    case undefined:
      return 'JWKS could not be fetched';
    default:
      return `token invalid (${e.code})`;
  }
}

/**
 * Verifies `token` as a call to the endpoint whose external URL is `audience`.
 * Order: header (alg/typ/kid), issuer registered, algorithm allowed for it,
 * key source (a `jku` off the allow-list is refused unfetched), signature and
 * claims (aud, exp, iat, nbf, required jti), lifetime, tenant, then the `jti`
 * is claimed in the replay cache, last, so that only valid tokens use it up.
 */
export async function verifyToken(token: string, audience: string, s: VerifySettings): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, status: 401, reason: 'token too long' };
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    return { ok: false, status: 401, reason: 'malformed token' };
  }
  const iss = loggable(unverified.iss);
  const jti = loggable(unverified.jti);
  const refuse = (reason: string, status: 401 | 503 = 401): VerifyResult => ({
    ok: false,
    status,
    reason,
    ...(iss !== undefined ? { iss } : {}),
    ...(jti !== undefined ? { jti } : {}),
  });

  if (typeof header.alg !== 'string' || header.alg === '') return refuse('no alg header');
  if (FORBIDDEN_ALG.test(header.alg)) return refuse(`algorithm ${header.alg.slice(0, 20)} is never accepted`);
  if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')
    return refuse('typ header is not JWT');
  if (typeof header.kid !== 'string' || header.kid === '') return refuse('no kid header');

  if (typeof unverified.iss !== 'string') return refuse('no iss claim');
  const client = s.clients.get(unverified.iss);
  if (!client) return refuse('issuer not registered');
  const algorithm = client.algorithms.find((a) => a === header.alg);
  if (!algorithm) return refuse(`algorithm ${header.alg.slice(0, 20)} not allowed for this client`);

  const selection = s.keys.select(client, header.jku);
  if (!selection.ok) return refuse(selection.reason);

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, selection.keys, {
      algorithms: [algorithm],
      issuer: client.iss,
      audience,
      typ: 'JWT',
      clockTolerance: s.clockSkewSeconds,
      currentDate: s.now(),
      maxTokenAge: s.maxLifetimeSeconds,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
    }));
  } catch (error) {
    return refuse(joseReason(error));
  }

  const exp = claims.exp as number;
  const iat = claims.iat as number;
  if (exp - iat > s.maxLifetimeSeconds) return refuse('token lifetime (exp - iat) too long');
  if (typeof claims.jti !== 'string' || claims.jti === '' || claims.jti.length > MAX_JTI_CHARS)
    return refuse('jti not a usable string');

  let tenant: string | undefined;
  if (client.tenants) {
    if (typeof claims.tenant !== 'string')
      return refuse('no tenant claim; this client is configured with tenants');
    if (!client.tenants.includes(claims.tenant)) return refuse('tenant not configured for this client');
    tenant = claims.tenant;
  } else if (typeof claims.tenant === 'string') {
    tenant = claims.tenant;
  }

  const nowSeconds = Math.floor(s.now().getTime() / 1000);
  const ttl = Math.max(1, exp - nowSeconds + s.clockSkewSeconds);
  let first: boolean;
  try {
    first = await s.replayCache.claim(replayKey(client.iss, claims.jti), ttl);
  } catch (error) {
    return refuse(error instanceof ReplayCacheFull ? 'replay cache full' : 'replay cache unavailable', 503);
  }
  if (!first) return refuse('jti replayed');
  return {
    ok: true,
    caller: { client, iss: client.iss, jti: claims.jti, ...(tenant !== undefined ? { tenant } : {}) },
  };
}
