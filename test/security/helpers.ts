/**
 * The security tests' world: signing keys of the tests' own making, CDS
 * Hooks token minting, a clients file, the service built as in production
 * (auth from the clients file on disk), and an EHR FHIR server and JWKS
 * hosts mocked with nock on https names that count every request.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import {
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  SignJWT,
  exportJWK,
  generateKeyPair,
} from 'jose';
import nock from 'nock';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { type Auth, authFromConfig } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { queryStore } from '../../src/demo/search.js';
import type { Logger } from '../../src/logger.js';
import { BASE_URL, NOW, fixtureStore, templates } from '../helpers/app.js';

export { BASE_URL, NOW };

/** The patient every call is about; its name is in fhir-fixtures/patients/rls-low-ferritin.json. */
export const PATIENT_ID = 'rls-low-ferritin';
export const PATIENT_NAMES = ['Halvorsen', 'Linda'];

export const SERVICE_PATH = '/cds-services/rls-patient-view';
export const SERVICE_AUD = `${BASE_URL}${SERVICE_PATH}`;

// The EHR side, all on names nock answers (nothing leaves the machine).
export const ISS_STATIC = 'https://ehr-static.hospital-a.example';
export const ISS_URL = 'https://ehr-url.hospital-a.example';
export const ISS_JKU = 'https://sandbox.cds-hooks.example';
export const ISS_TENANT = 'https://ehr-multi.vendor.example';
export const FHIR_HOST = 'https://fhir.hospital-a.example';
export const FHIR_BASE = `${FHIR_HOST}/r4`;
/** The HMAC key production requires (at least 32 characters). */
export const PATIENT_KEY_SECRET = 'test-patient-key-secret-0123456789abcdef';
export const OTHER_FHIR_HOST = 'https://fhir.elsewhere.example';
export const JWKS_HOST = 'https://keys.hospital-a.example';
export const JWKS_PATH = '/jwks.json';
export const JKU_HOST = 'https://sandbox.cds-hooks.example';
export const JKU_PATH = '/.well-known/jwks.json';
export const EVIL_HOST = 'https://attacker.example';
export const EVIL_PATH = '/jwks.json';

/** A signing key pair and the public JWK that names it. */
export interface Signer {
  readonly alg: 'ES384' | 'RS384' | 'ES256';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A new key pair for `alg`. */
export async function newSigner(
  alg: Signer['alg'],
  kid: string = `${alg.toLowerCase()}-${randomUUID()}`,
): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/** A JWK Set of the signers' public keys. */
export function jwksOf(...signers: readonly Signer[]): { keys: JWK[] } {
  return { keys: signers.map((s) => s.publicJwk) };
}

/** What a test may change in a token. `null` leaves a claim out. */
export interface TokenOptions {
  readonly iss?: string;
  readonly aud?: string | string[];
  readonly iat?: number | null;
  readonly exp?: number | null;
  readonly jti?: string | null;
  readonly nbf?: number;
  readonly tenant?: string;
  readonly claims?: Record<string, unknown>;
  readonly header?: Partial<JWTHeaderParameters>;
}

/** Seconds since the epoch at the tests' "now". */
export const NOW_S = Math.floor(NOW.getTime() / 1000);

/** A CDS Hooks 2.0 bearer JWT signed by `signer` (defaults: the service endpoint, 5 minutes, a fresh UUID jti). */
export async function mint(signer: Signer, o: TokenOptions = {}): Promise<string> {
  const iat = o.iat === undefined ? NOW_S : o.iat;
  const exp = o.exp === undefined ? (iat ?? NOW_S) + 300 : o.exp;
  const jti = o.jti === undefined ? randomUUID() : o.jti;
  const payload: Record<string, unknown> = {
    iss: o.iss ?? ISS_STATIC,
    aud: o.aud ?? SERVICE_AUD,
    ...(iat !== null ? { iat } : {}),
    ...(exp !== null ? { exp } : {}),
    ...(jti !== null ? { jti } : {}),
    ...(o.nbf !== undefined ? { nbf: o.nbf } : {}),
    ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
    ...o.claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: signer.alg, typ: 'JWT', kid: signer.kid, ...o.header })
    .sign(signer.privateKey);
}

/** Base64url of a JSON value. */
export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A clients file on disk; returns its path. */
export function writeClientsFile(clients: readonly Record<string, unknown>[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'rls-cds-clients-'));
  const path = join(dir, 'clients.json');
  writeFileSync(path, JSON.stringify({ clients }, null, 2));
  return path;
}

/** The standard test clients, given the signers whose public keys they hold statically. */
export function standardClients(
  staticSigners: readonly Signer[],
  tenantSigner: Signer,
): Record<string, unknown>[] {
  return [
    {
      iss: ISS_STATIC,
      name: 'hospital A (static JWKS)',
      jwks: jwksOf(...staticSigners),
      fhirServers: [FHIR_BASE],
    },
    {
      iss: ISS_URL,
      name: 'hospital A (JWKS URL)',
      jwksUrl: `${JWKS_HOST}${JWKS_PATH}`,
      fhirServers: [FHIR_BASE],
    },
    {
      iss: ISS_JKU,
      name: 'CDS Hooks sandbox',
      allowedJku: [`${JKU_HOST}${JKU_PATH}`],
      fhirServers: [FHIR_BASE],
    },
    {
      iss: ISS_TENANT,
      name: 'multi-tenant vendor',
      jwks: jwksOf(tenantSigner),
      tenants: ['tenant-b'],
      fhirServers: [FHIR_BASE],
    },
  ];
}

/** Captures log lines (JSON) written by the service logger. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  /** The parsed log records. */
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/** The service as production builds it: config from env, auth from the clients file on disk. */
export interface SecureService {
  readonly app: Express;
  readonly auth: Auth;
}

/** Builds the service in production mode (unless `env.NODE_ENV` says otherwise) with the given clients file. */
export function secureService(
  clientsFile: string,
  env: Record<string, string> = {},
  logger?: Logger,
): SecureService {
  const config = loadConfig({
    NODE_ENV: 'production',
    CDS_PUBLIC_URL: BASE_URL,
    CDS_CLIENTS_FILE: clientsFile,
    CDS_PATIENT_KEY_SECRET: PATIENT_KEY_SECRET,
    FHIR_TIMEOUT_MS: '1000',
    CORS_ORIGINS: 'https://ehr.hospital-a.example',
    ...env,
  });
  const log = logger ?? pino({ level: 'silent' });
  const auth = authFromConfig(config, log, () => NOW);
  if (!auth) throw new Error('test setup: authentication should be on');
  return { app: createApp({ config, logger: log, templates, now: () => NOW, auth }), auth };
}

/** Counts of requests that reached the mocked hosts. */
export interface HostCounts {
  fhir: number;
  fhirAuth: (string | undefined)[];
  otherFhir: number;
  jwks: number;
  jku: number;
  evil: number;
}

/** The JWK Sets the mocked key hosts serve (tests may swap them for key rotation). */
export interface KeyHosts {
  jwks: { keys: JWK[] };
  jku: { keys: JWK[] };
}

/**
 * Mocks the EHR's FHIR server (fixture patients), another FHIR server, the
 * JWKS URL host, the allow-listed jku host and an attacker's jku host.
 * Call in beforeEach (the nock setup cleans interceptors after each test).
 */
export function mockHosts(keys: KeyHosts): HostCounts {
  const counts: HostCounts = { fhir: 0, fhirAuth: [], otherFhir: 0, jwks: 0, jku: 0, evil: 0 };
  const store = fixtureStore();
  nock(FHIR_HOST)
    .persist()
    .get(/.*/)
    .reply(function (uri) {
      counts.fhir += 1;
      counts.fhirAuth.push(this.req.headers.authorization);
      const result = queryStore(store, uri.replace(/^\/r4\//, ''));
      return result ? [200, result, { 'content-type': 'application/fhir+json' }] : [404, {}];
    });
  nock(OTHER_FHIR_HOST)
    .persist()
    .get(/.*/)
    .reply(() => {
      counts.otherFhir += 1;
      return [200, { resourceType: 'Bundle', type: 'searchset' }];
    });
  nock(JWKS_HOST)
    .persist()
    .get(JWKS_PATH)
    .reply(() => {
      counts.jwks += 1;
      return [200, keys.jwks];
    });
  nock(JKU_HOST)
    .persist()
    .get(JKU_PATH)
    .reply(() => {
      counts.jku += 1;
      return [200, keys.jku];
    });
  nock(EVIL_HOST)
    .persist()
    .get(/.*/)
    .reply(() => {
      counts.evil += 1;
      return [200, keys.jku];
    });
  return counts;
}

/** A patient-view call for the fixture patient without prefetch: answering it needs the FHIR server. */
export function fetchingCall(fhirServer: string = FHIR_BASE, accessToken?: string): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    fhirServer,
    ...(accessToken
      ? {
          fhirAuthorization: {
            access_token: accessToken,
            token_type: 'Bearer',
            expires_in: 300,
            scope: 'patient/*.read',
            subject: 'rls-cds',
          },
        }
      : {}),
    context: { userId: 'Practitioner/demo-prescriber', patientId: PATIENT_ID },
  };
}
