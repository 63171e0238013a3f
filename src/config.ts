/**
 * Environment → typed configuration, validated once at start-up. A bad value
 * stops the process with a message that names the variable.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  CDS_PUBLIC_URL: z.url().optional(),
  FHIR_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  FHIR_MAX_PAGES: z.coerce.number().int().min(1).max(100).default(10),
  DEMO_FHIR: flag.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CDS_CARDS_DIR: z.string().min(1).optional(),
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
  /** Serve the demo FHIR server with the fixture patients at /demo/fhir. Off in production unless asked for. */
  readonly demoFhir: boolean;
  readonly logLevel: string;
  readonly cardsDir?: string;
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
  const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.CDS_PUBLIC_URL ?? `http://${displayHost}:${e.PORT}`).replace(/\/+$/, ''),
    fhirTimeoutMs: e.FHIR_TIMEOUT_MS,
    fhirMaxPages: e.FHIR_MAX_PAGES,
    demoFhir: e.DEMO_FHIR ?? !production,
    logLevel: e.LOG_LEVEL,
    ...(e.CDS_CARDS_DIR ? { cardsDir: e.CDS_CARDS_DIR } : {}),
  };
}
