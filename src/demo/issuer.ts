/**
 * The demo issuer (`CDS_DEMO_ISSUER=true`, never in production): a CDS
 * client key of the service's own, so that the EHR simulator can sign its
 * calls as a real EHR does when authentication is on. The ES384 key pair is
 * generated at start-up and kept in memory only; the public key is
 * registered as one more client (static JWKS, no tenants, only the
 * service's own demo FHIR server as `fhirServer`). Tokens are issued only
 * for the service's own endpoints.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { type PublicJwk, type RegisteredClient, normalizeFhirBase } from '../auth/clients.js';
import { SERVICES } from '../cds-hooks/services.js';
import type { Config } from '../config.js';

/** Path of the demo issuer under the public URL: its `iss` is `${CDS_PUBLIC_URL}/demo/issuer`. */
export const DEMO_ISSUER_PATH = '/demo/issuer';

/** Lifetime of a demo token (s). */
export const DEMO_TOKEN_LIFETIME_SECONDS = 300;

/** The client id the demo tokens carry as `sub`. */
export const DEMO_CLIENT_ID = 'rls-cds-ehr-simulator';

const ALG = 'ES384';

/** A signing key of the service's own, for the EHR simulator. */
export interface DemoIssuer {
  /** The `iss` of its tokens. */
  readonly iss: string;
  /** The `kid` of its key. */
  readonly kid: string;
  /** The client to register with the verifier: static JWKS with the public key. */
  readonly client: RegisteredClient;
  /** Whether `aud` is an endpoint URL of this service (discovery, a service, a feedback URL). */
  accepts(aud: string): boolean;
  /**
   * A CDS Hooks 2.0 bearer JWT for `aud`, issued at `now`: fresh `jti`,
   * 5-minute `exp`, header `alg` ES384, `typ` JWT and `kid`. Throws when
   * `aud` is not an endpoint of this service.
   */
  sign(aud: string, now: Date): Promise<string>;
}

/**
 * The URLs a demo token may name as `aud`: discovery, each service and each
 * feedback endpoint, under `publicUrl` (no trailing slash), exactly as the
 * verifier builds the expected audience.
 */
export function serviceAudiences(publicUrl: string): ReadonlySet<string> {
  const base = `${publicUrl}/cds-services`;
  return new Set([base, ...SERVICES.flatMap((s) => [`${base}/${s.id}`, `${base}/${s.id}/feedback`])]);
}

/**
 * Generates the demo issuer's key pair (in memory only) and its client entry.
 * Refuses production whatever the caller asks: a key that anyone reaching
 * the demo routes can have tokens signed with has no place there.
 *
 * @param config the service configuration (`publicUrl`, `production`).
 */
export async function createDemoIssuer(
  config: Pick<Config, 'publicUrl' | 'production'>,
): Promise<DemoIssuer> {
  if (config.production)
    throw new Error(
      'CDS_DEMO_ISSUER: the demo issuer is never available in production (NODE_ENV=production)',
    );
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = `demo-${(await calculateJwkThumbprint(jwk)).slice(0, 16)}`;
  const publicJwk: PublicJwk = { ...jwk, kty: 'EC', kid, alg: ALG, use: 'sig' };
  const iss = `${config.publicUrl}${DEMO_ISSUER_PATH}`;
  const audiences = serviceAudiences(config.publicUrl);
  const client: RegisteredClient = {
    iss,
    name: 'demo issuer (EHR simulator)',
    jwks: { keys: [publicJwk] },
    allowedJku: [],
    algorithms: [ALG],
    fhirServers: [normalizeFhirBase(`${config.publicUrl}/demo/fhir`)],
  };
  const accepts = (aud: string): boolean => audiences.has(aud);
  return {
    iss,
    kid,
    client,
    accepts,
    async sign(aud: string, now: Date): Promise<string> {
      if (!accepts(aud)) throw new Error('aud is not an endpoint of this service');
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ sub: DEMO_CLIENT_ID })
        .setProtectedHeader({ alg: ALG, typ: 'JWT', kid })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(iat)
        .setExpirationTime(iat + DEMO_TOKEN_LIFETIME_SECONDS)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}
