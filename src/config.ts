/**
 * Environment → typed configuration, validated once at start-up. A bad value
 * stops the process with a message that names the variable.
 */
import { z } from 'zod';
import { withoutTrailingSlashes } from './fhir/url-guard.js';

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  CDS_PUBLIC_URL: z.url().optional(),
  FHIR_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  FHIR_MAX_PAGES: z.coerce.number().int().min(1).max(100).default(10),
  FHIR_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  DEMO_FHIR: flag.optional(),
  CDS_DEMO_ISSUER: flag.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CDS_CARDS_DIR: z.string().min(1).optional(),
  // Security: authentication, replay cache, limits, CORS.
  CDS_CLIENTS_FILE: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  JWKS_CACHE_MAX_AGE_SECONDS: z.coerce.number().min(0).max(86_400).default(600),
  JWKS_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  REPLAY_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1000).max(10_000_000).default(100_000),
  MAX_REQUEST_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  FHIR_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(20 * 1024 * 1024),
  FHIR_CALL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 * 1024 * 1024)
    .default(32 * 1024 * 1024),
  CORS_ORIGINS: z.string().optional(),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  CDS_DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  STORE_QUEUE_MAX: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  CDS_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(400),
  FEEDBACK_MAX_ENTRIES: z.coerce.number().int().min(1).max(10_000).default(100),
  FEEDBACK_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  FEEDBACK_COMMENT_MAX_CHARS: z.coerce.number().int().min(1).max(2000).default(2000),
  CDS_PATIENT_KEY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SUPPRESSION: flag.default(true),
  SUPPRESS_INFO_DAYS: z.coerce.number().int().min(0).max(365).default(90),
  SUPPRESS_WARNING_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  SUPPRESS_CRITICAL_HOURS: z.coerce.number().int().min(0).max(24).default(24),
  SUPPRESSION_LOOKUP_TIMEOUT_MS: z.coerce.number().int().min(10).max(5000).default(300),
});

/** The service configuration. */
export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** External base URL without trailing slash: card topics, override reasons and (later) JWT audiences use it. */
  readonly publicUrl: string;
  readonly fhirTimeoutMs: number;
  readonly fhirMaxPages: number;
  /** `_count` sent with every fallback search, so that a typical patient fits in one page. */
  readonly fhirPageSize: number;
  /** Serve the demo FHIR server with the fixture patients at /demo/fhir. Off in production unless asked for. */
  readonly demoFhir: boolean;
  /**
   * The demo issuer: an in-memory ES384 key registered as one more client, with which the EHR
   * simulator signs its calls (`POST /demo/api/jwt`). Demo only: refused in production.
   */
  readonly demoIssuer: boolean;
  readonly logLevel: string;
  readonly cardsDir?: string;
  /** Path of the clients file; without it authentication is off (refused in production). */
  readonly clientsFile?: string;
  /** Redis for the shared replay cache; in memory without it. */
  readonly redisUrl?: string;
  readonly jwtClockSkewSeconds: number;
  readonly jwtMaxLifetimeSeconds: number;
  readonly jwksCacheMaxAgeSeconds: number;
  readonly jwksCooldownSeconds: number;
  readonly replayCacheMaxEntries: number;
  /** Largest request body accepted (bytes); larger → 413. */
  readonly maxRequestBytes: number;
  /** Largest FHIR server response read (bytes); larger → the query fails. */
  readonly fhirMaxResponseBytes: number;
  /** Bytes all FHIR responses of one hook call may add up to; past it fetching stops and the keys are partial. */
  readonly fhirCallMaxBytes: number;
  /** Origins allowed by CORS: '*' (only outside production) or a list (empty: no CORS). */
  readonly corsOrigins: '*' | readonly string[];
  /** `pretty` (human-readable, needs the dev dependency pino-pretty) or `json` lines. */
  readonly logFormat: 'json' | 'pretty';
  /** Folder of the embedded SQLite card log and feedback store. */
  readonly dataDir: string;
  /** PostgreSQL URL; when set, the card log and feedback go there instead of SQLite. */
  readonly databaseUrl?: string;
  readonly databasePoolMax: number;
  /** Card-log entries waiting for the store at most; beyond it they are dropped (and counted). */
  readonly storeQueueMax: number;
  /** Bearer token of the admin routes; they are off when unset. */
  readonly adminToken?: string;
  /** Time allowed after SIGTERM for in-flight calls and the store queue. */
  readonly shutdownGraceMs: number;
  /** Card-log and feedback rows older than this many days are deleted (at start-up, then daily). */
  readonly retentionDays: number;
  /** Most feedback entries in one request; more → 413. */
  readonly feedbackMaxEntries: number;
  /** Largest feedback request body (bytes); larger → 413. */
  readonly feedbackMaxBytes: number;
  /** Longest override comment accepted (characters); longer → 400. */
  readonly feedbackCommentMaxChars: number;
  /**
   * Key of the HMACs that stand for patient ids, facts and ordering sessions in the store.
   * Required to start in production; elsewhere a random per-process key is used when unset.
   */
  readonly patientKeySecret?: string;
  /** Holding back cards after an override or acceptance, and its bounds. */
  readonly suppression: {
    readonly enabled: boolean;
    readonly infoDays: number;
    readonly warningDays: number;
    readonly criticalHours: number;
    /** Time allowed to ask the store; past it (or on an error) every card is shown. */
    readonly lookupTimeoutMs: number;
  };
}

/** Shortest admin token accepted in production (characters). */
export const MIN_ADMIN_TOKEN_CHARS_PRODUCTION = 32;

/**
 * Why an admin token is too weak for production, or undefined: shorter than
 * {@link MIN_ADMIN_TOKEN_CHARS_PRODUCTION}, or fewer than 8 distinct
 * characters (one character repeated, "abababab…"). A random token from
 * `openssl rand -hex 32` (64 characters, 16 distinct) passes.
 */
export function adminTokenProblem(token: string): string | undefined {
  if (token.length < MIN_ADMIN_TOKEN_CHARS_PRODUCTION)
    return `must be at least ${MIN_ADMIN_TOKEN_CHARS_PRODUCTION} characters in production (e.g. openssl rand -hex 32)`;
  if (new Set(token).size < 8)
    return 'has too little entropy (fewer than 8 distinct characters): use a random token, e.g. openssl rand -hex 32';
  return undefined;
}

function corsOrigins(value: string | undefined, production: boolean): '*' | string[] {
  if (value === undefined) return production ? [] : '*';
  const origins = value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.includes('*')) {
    if (production)
      throw new Error('invalid configuration:\n- CORS_ORIGINS: "*" is not allowed in production');
    return '*';
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin)
      throw new Error(
        `invalid configuration:\n- CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`,
      );
  }
  return origins;
}

/**
 * The settings start-up needs in production beyond what {@link loadConfig}
 * checks: the patient-key secret (without it nothing remembered would survive
 * a restart or be shared by replicas, and a random key would hide that).
 * Throws an Error naming the variable.
 */
export function checkProductionSecrets(config: Config): void {
  if (config.production && !config.patientKeySecret) {
    throw new Error(
      'invalid configuration:\n- CDS_PATIENT_KEY_SECRET: required in production (NODE_ENV=production): at least 32 random characters, the key of the HMACs that stand for patient ids in the card log; the same on every replica; see the README, "Alert fatigue: suppression"',
    );
  }
}

/** Reads and validates the configuration; throws an Error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n- ${lines.join('\n- ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.CDS_CLIENTS_FILE) {
    throw new Error(
      'invalid configuration:\n- CDS_CLIENTS_FILE: required in production (NODE_ENV=production): the JSON file of the EHR clients allowed to call this service; see the README, "Security"',
    );
  }
  if (production && e.DEMO_FHIR === true) {
    throw new Error(
      'invalid configuration:\n- DEMO_FHIR: not allowed in production (NODE_ENV=production): the demo FHIR server and the EHR simulator are unauthenticated routes for demos only',
    );
  }
  if (production && e.CDS_ADMIN_TOKEN !== undefined) {
    const problem = adminTokenProblem(e.CDS_ADMIN_TOKEN);
    if (problem) throw new Error(`invalid configuration:\n- CDS_ADMIN_TOKEN: ${problem}`);
  }
  const demoFhir = e.DEMO_FHIR ?? !production;
  if (e.CDS_DEMO_ISSUER && production) {
    throw new Error(
      'invalid configuration:\n- CDS_DEMO_ISSUER: not allowed in production (NODE_ENV=production): the demo issuer signs tokens for anyone who can reach /demo and is for demos only',
    );
  }
  if (e.CDS_DEMO_ISSUER && !demoFhir) {
    throw new Error(
      "invalid configuration:\n- CDS_DEMO_ISSUER: needs the demo (DEMO_FHIR): the demo issuer signs the EHR simulator's calls and serves its tokens under /demo",
    );
  }
  const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    publicUrl: withoutTrailingSlashes(e.CDS_PUBLIC_URL ?? `http://${displayHost}:${e.PORT}`),
    fhirTimeoutMs: e.FHIR_TIMEOUT_MS,
    fhirMaxPages: e.FHIR_MAX_PAGES,
    fhirPageSize: e.FHIR_PAGE_SIZE,
    demoFhir,
    demoIssuer: e.CDS_DEMO_ISSUER,
    logLevel: e.LOG_LEVEL,
    ...(e.CDS_CARDS_DIR ? { cardsDir: e.CDS_CARDS_DIR } : {}),
    ...(e.CDS_CLIENTS_FILE ? { clientsFile: e.CDS_CLIENTS_FILE } : {}),
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    jwtClockSkewSeconds: e.JWT_CLOCK_SKEW_SECONDS,
    jwtMaxLifetimeSeconds: e.JWT_MAX_LIFETIME_SECONDS,
    jwksCacheMaxAgeSeconds: e.JWKS_CACHE_MAX_AGE_SECONDS,
    jwksCooldownSeconds: e.JWKS_COOLDOWN_SECONDS,
    replayCacheMaxEntries: e.REPLAY_CACHE_MAX_ENTRIES,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    fhirMaxResponseBytes: e.FHIR_MAX_RESPONSE_BYTES,
    fhirCallMaxBytes: e.FHIR_CALL_MAX_BYTES,
    corsOrigins: corsOrigins(e.CORS_ORIGINS, production),
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'development' ? 'pretty' : 'json'),
    dataDir: e.CDS_DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    databasePoolMax: e.DATABASE_POOL_MAX,
    storeQueueMax: e.STORE_QUEUE_MAX,
    ...(e.CDS_ADMIN_TOKEN ? { adminToken: e.CDS_ADMIN_TOKEN } : {}),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    retentionDays: e.RETENTION_DAYS,
    feedbackMaxEntries: e.FEEDBACK_MAX_ENTRIES,
    feedbackMaxBytes: e.FEEDBACK_MAX_BYTES,
    feedbackCommentMaxChars: e.FEEDBACK_COMMENT_MAX_CHARS,
    ...(e.CDS_PATIENT_KEY_SECRET ? { patientKeySecret: e.CDS_PATIENT_KEY_SECRET } : {}),
    suppression: {
      enabled: e.SUPPRESSION,
      infoDays: e.SUPPRESS_INFO_DAYS,
      warningDays: e.SUPPRESS_WARNING_DAYS,
      criticalHours: e.SUPPRESS_CRITICAL_HOURS,
      lookupTimeoutMs: e.SUPPRESSION_LOOKUP_TIMEOUT_MS,
    },
  };
}
