/**
 * Environment → typed configuration, validated once at start-up. A bad value
 * stops the process with a message that names the variable.
 */
import { z } from 'zod';
import { withoutTrailingSlashes } from './fhir/url-guard.js';

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Where a setting is listed in the configuration reference (docs/configuration.md). */
type Group =
  | 'Service'
  | 'FHIR fallback'
  | 'Demo'
  | 'Logging'
  | 'Security'
  | 'Store'
  | 'Operations'
  | 'Feedback'
  | 'Suppression';

/** One setting: its environment variable, how it is read (type, bounds, default) and what it means. */
interface Setting<S extends z.ZodType> {
  readonly env: string;
  readonly schema: S;
}

/**
 * Declares a setting once. The schema parses and bounds the variable, the description and group
 * document it (docs/configuration.md is generated from them), and the {@link Config} type follows
 * from the schema's output.
 */
function setting<S extends z.ZodType>(
  env: string,
  schema: S,
  group: Group,
  description: string,
  defaultText?: string,
): Setting<S> {
  return { env, schema: schema.meta({ group, description, ...(defaultText ? { defaultText } : {}) }) };
}

type Table = Readonly<Record<string, Setting<z.ZodType>>>;
type Out<T extends Table, K extends keyof T> = z.output<T[K]['schema']>;
type OptionalKeys<T extends Table> = { [K in keyof T]: undefined extends Out<T, K> ? K : never }[keyof T];
/** The values of a table of settings: optional where the setting may be unset. */
type Values<T extends Table> = { readonly [K in Exclude<keyof T, OptionalKeys<T>>]: Out<T, K> } & {
  readonly [K in OptionalKeys<T>]?: Exclude<Out<T, K>, undefined>;
};

/** Every setting, by its name in {@link Config}. */
const SETTINGS = {
  nodeEnv: setting(
    'NODE_ENV',
    z.enum(['development', 'production', 'test']).default('development'),
    'Service',
    '`production` turns the demo off and requires the clients file and the patient-key secret',
  ),
  port: setting('PORT', port.default(3000), 'Service', 'port to listen on'),
  host: setting(
    'HOST',
    z.string().min(1).default('127.0.0.1'),
    'Service',
    'interface to bind; use `0.0.0.0` in a container',
  ),
  publicUrl: setting(
    'CDS_PUBLIC_URL',
    z.url().optional(),
    'Service',
    'the external base URL (behind a proxy, the URL EHRs call), without a trailing slash: card `source.topic.system` is `<CDS_PUBLIC_URL>/rules`, override reasons use `<CDS_PUBLIC_URL>/override-reasons`, and JWT audiences are checked against it',
    '`http://HOST:PORT`',
  ),
  cardsDir: setting(
    'CDS_CARDS_DIR',
    z.string().min(1).optional(),
    'Service',
    'folder of the card templates',
    '`src/knowledge/card-templates/` (`dist/knowledge/card-templates/` once built)',
  ),
  fhirTimeoutMs: setting(
    'FHIR_TIMEOUT_MS',
    int(100, 60_000).default(3000),
    'FHIR fallback',
    'time allowed for one FHIR fallback query, all its pages included (ms)',
  ),
  fhirMaxPages: setting(
    'FHIR_MAX_PAGES',
    int(1, 100).default(10),
    'FHIR fallback',
    'pages followed at most per query; beyond it the data is used and flagged as partial',
  ),
  fhirPageSize: setting(
    'FHIR_PAGE_SIZE',
    int(1, 1000).default(100),
    'FHIR fallback',
    '`_count` sent with every fallback search, so that a typical patient fits in one page',
  ),
  demoFhir: setting(
    'DEMO_FHIR',
    flag.optional(),
    'Demo',
    'serve the demo FHIR server with the fixture patients at `/demo/fhir` and the EHR simulator at `/demo/`; refused in production',
    'on outside production',
  ),
  demoIssuer: setting(
    'CDS_DEMO_ISSUER',
    flag.default(false),
    'Demo',
    '**demos only**, refused in production: an in-memory ES384 key registered as one more client, with which the EHR simulator signs its calls (`POST /demo/api/jwt`)',
    '`false`',
  ),
  logLevel: setting(
    'LOG_LEVEL',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'Logging',
    'pino log level',
  ),
  logFormat: setting(
    'LOG_FORMAT',
    z.enum(['json', 'pretty']).optional(),
    'Logging',
    '`pretty`: readable lines (needs the dev dependency pino-pretty; JSON lines when it is absent); `json`: one JSON object per line',
    '`pretty` in development, else `json`',
  ),
  clientsFile: setting(
    'CDS_CLIENTS_FILE',
    z.string().min(1).optional(),
    'Security',
    'path of the clients file (the EHR clients allowed to call); without it (outside production) authentication is off',
    'unset (required in production)',
  ),
  redisUrl: setting(
    'REDIS_URL',
    z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    'Security',
    '`redis://` or `rediss://` URL of the shared JWT replay cache (required when running more than one replica)',
    'unset: replay cache in memory',
  ),
  jwtClockSkewSeconds: setting(
    'JWT_CLOCK_SKEW_SECONDS',
    int(0, 300).default(60),
    'Security',
    'clock skew tolerated on `exp`, `iat` and `nbf` (s)',
  ),
  jwtMaxLifetimeSeconds: setting(
    'JWT_MAX_LIFETIME_SECONDS',
    int(60, 86_400).default(3600),
    'Security',
    'longest accepted `exp − iat`, and oldest accepted `iat` (s)',
  ),
  jwksCacheMaxAgeSeconds: setting(
    'JWKS_CACHE_MAX_AGE_SECONDS',
    z.coerce.number().min(0).max(86_400).default(600),
    'Security',
    'how long fetched keys are used before they are fetched again (s)',
  ),
  jwksCooldownSeconds: setting(
    'JWKS_COOLDOWN_SECONDS',
    z.coerce.number().min(0).max(3600).default(30),
    'Security',
    'minimum time between two fetches of one JWKS URL, unknown `kid`s included (s)',
  ),
  replayCacheMaxEntries: setting(
    'REPLAY_CACHE_MAX_ENTRIES',
    int(1000, 10_000_000).default(100_000),
    'Security',
    'bound of the in-memory replay cache; expired ids make room, live ones never (full: 503)',
  ),
  maxRequestBytes: setting(
    'MAX_REQUEST_BYTES',
    int(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
    'Security',
    'largest request body (bytes); larger ones get 413',
  ),
  fhirMaxResponseBytes: setting(
    'FHIR_MAX_RESPONSE_BYTES',
    int(1024, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
    'Security',
    'largest FHIR server response read (bytes); a larger one is cut off and the query fails',
  ),
  fhirCallMaxBytes: setting(
    'FHIR_CALL_MAX_BYTES',
    int(64 * 1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
    'Security',
    'bytes all FHIR responses of one hook call may add up to; past it fetching stops and the keys are partial',
  ),
  corsOrigins: setting(
    'CORS_ORIGINS',
    z.string().optional(),
    'Security',
    'comma-separated origins allowed by CORS (`scheme://host[:port]`); `*` is refused in production',
    '`*`; none in production',
  ),
  adminToken: setting(
    'CDS_ADMIN_TOKEN',
    z.string().min(16, 'must be at least 16 characters').optional(),
    'Security',
    'bearer token of the admin routes (at least 16 characters; in production at least 32 and not repetitive); without it they do not exist',
    'unset: admin routes off',
  ),
  patientKeySecret: setting(
    'CDS_PATIENT_KEY_SECRET',
    z.string().min(32, 'must be at least 32 characters').optional(),
    'Security',
    'key of the HMACs that stand for patient ids, facts and ordering sessions in the store; the same on every replica',
    'unset: a random key per process (required in production)',
  ),
  dataDir: setting(
    'CDS_DATA_DIR',
    z.string().min(1).default('data'),
    'Store',
    'folder of the embedded SQLite card log and feedback store (`cds-ops.sqlite`), created on first start; relative to the working directory',
  ),
  databaseUrl: setting(
    'DATABASE_URL',
    z
      .url()
      .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    'Store',
    '`postgres://` or `postgresql://` URL; when set, the card log and feedback go to PostgreSQL (migrations run at start-up) and `CDS_DATA_DIR` is not used',
    'unset: SQLite',
  ),
  databasePoolMax: setting(
    'DATABASE_POOL_MAX',
    int(1, 100).default(10),
    'Store',
    'PostgreSQL connections per replica',
  ),
  storeQueueMax: setting(
    'STORE_QUEUE_MAX',
    int(100, 1_000_000).default(10_000),
    'Store',
    'card-log entries held in memory while the store is slow or down; beyond it new entries are dropped and counted',
  ),
  retentionDays: setting(
    'RETENTION_DAYS',
    int(1, 36_500).default(400),
    'Store',
    'card-log and feedback rows older than this many days are deleted, at start-up and then daily',
  ),
  shutdownGraceMs: setting(
    'SHUTDOWN_GRACE_MS',
    int(100, 600_000).default(10_000),
    'Operations',
    'time allowed after SIGTERM for calls in flight and the card-log flush (ms); past it open connections are cut and the exit code is 1',
  ),
  feedbackMaxEntries: setting(
    'FEEDBACK_MAX_ENTRIES',
    int(1, 10_000).default(100),
    'Feedback',
    'most feedback entries in one request; more get 413',
  ),
  feedbackMaxBytes: setting(
    'FEEDBACK_MAX_BYTES',
    int(1024, 10 * 1024 * 1024).default(256 * 1024),
    'Feedback',
    'largest feedback request body (bytes); larger ones get 413',
  ),
  feedbackCommentMaxChars: setting(
    'FEEDBACK_COMMENT_MAX_CHARS',
    int(1, 2000).default(2000),
    'Feedback',
    'longest override comment (`userComment`) accepted (characters); longer ones get 400',
  ),
} as const;

/** The suppression settings (`config.suppression`). */
const SUPPRESSION_SETTINGS = {
  enabled: setting(
    'SUPPRESSION',
    flag.default(true),
    'Suppression',
    '`false` turns suppression off: every card is shown (feedback is still stored and reported)',
    '`true`',
  ),
  infoDays: setting(
    'SUPPRESS_INFO_DAYS',
    int(0, 365).default(90),
    'Suppression',
    'how long an override holds an info card back (days; 0: never)',
  ),
  warningDays: setting(
    'SUPPRESS_WARNING_DAYS',
    int(0, 365).default(30),
    'Suppression',
    'the same for warning cards (days)',
  ),
  criticalHours: setting(
    'SUPPRESS_CRITICAL_HOURS',
    int(0, 24).default(24),
    'Suppression',
    'the cap for critical cards, which are held only in their ordering session (hours; 0: never)',
  ),
  lookupTimeoutMs: setting(
    'SUPPRESSION_LOOKUP_TIMEOUT_MS',
    int(10, 5000).default(300),
    'Suppression',
    'time allowed to ask the store (ms); past it, or on an error, every card is shown',
  ),
} as const;

/** The schema of the environment: every setting under its variable name. */
export const EnvSchema = z.object(
  Object.fromEntries(
    [...Object.values(SETTINGS), ...Object.values(SUPPRESSION_SETTINGS)].map((s) => [s.env, s.schema]),
  ),
);

/** The settings whose value in {@link Config} is worked out from the variable and the environment. */
type Derived = 'nodeEnv' | 'publicUrl' | 'demoFhir' | 'corsOrigins' | 'logFormat';

/** The service configuration: every setting's parsed value, plus what follows from them. */
export type Config = Omit<Values<typeof SETTINGS>, Derived> & {
  readonly production: boolean;
  /** External base URL without trailing slash. */
  readonly publicUrl: string;
  readonly demoFhir: boolean;
  /** Origins allowed by CORS: '*' (only outside production) or a list (empty: no CORS). */
  readonly corsOrigins: '*' | readonly string[];
  readonly logFormat: 'json' | 'pretty';
  readonly suppression: Values<typeof SUPPRESSION_SETTINGS>;
};

/** The values of a table's settings from the parsed environment; unset ones are left out. */
function valuesOf<T extends Table>(table: T, parsed: Readonly<Record<string, unknown>>): Values<T> {
  return Object.fromEntries(
    Object.entries(table)
      .map(([key, s]) => [key, parsed[s.env]] as const)
      .filter(([, value]) => value !== undefined),
  ) as Values<T>;
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
      'invalid configuration:\n- CDS_PATIENT_KEY_SECRET: required in production (NODE_ENV=production): at least 32 random characters, the key of the HMACs that stand for patient ids in the card log; the same on every replica; see docs/operations.md, "Alert fatigue: suppression"',
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
  const v = valuesOf(SETTINGS, parsed.data);
  const production = v.nodeEnv === 'production';
  if (production && !v.clientsFile) {
    throw new Error(
      'invalid configuration:\n- CDS_CLIENTS_FILE: required in production (NODE_ENV=production): the JSON file of the EHR clients allowed to call this service; see docs/security.md',
    );
  }
  if (production && v.demoFhir === true) {
    throw new Error(
      'invalid configuration:\n- DEMO_FHIR: not allowed in production (NODE_ENV=production): the demo FHIR server and the EHR simulator are unauthenticated routes for demos only',
    );
  }
  if (production && v.adminToken !== undefined) {
    const problem = adminTokenProblem(v.adminToken);
    if (problem) throw new Error(`invalid configuration:\n- CDS_ADMIN_TOKEN: ${problem}`);
  }
  const demoFhir = v.demoFhir ?? !production;
  if (v.demoIssuer && production) {
    throw new Error(
      'invalid configuration:\n- CDS_DEMO_ISSUER: not allowed in production (NODE_ENV=production): the demo issuer signs tokens for anyone who can reach /demo and is for demos only',
    );
  }
  if (v.demoIssuer && !demoFhir) {
    throw new Error(
      "invalid configuration:\n- CDS_DEMO_ISSUER: needs the demo (DEMO_FHIR): the demo issuer signs the EHR simulator's calls and serves its tokens under /demo",
    );
  }
  const { nodeEnv, publicUrl, corsOrigins: origins, logFormat, ...plain } = v;
  const displayHost = v.host === '0.0.0.0' || v.host === '::' ? 'localhost' : v.host;
  return {
    ...plain,
    production,
    publicUrl: withoutTrailingSlashes(publicUrl ?? `http://${displayHost}:${v.port}`),
    demoFhir,
    corsOrigins: corsOrigins(origins, production),
    logFormat: logFormat ?? (nodeEnv === 'development' ? 'pretty' : 'json'),
    suppression: valuesOf(SUPPRESSION_SETTINGS, parsed.data),
  };
}
