/**
 * The clients file (`CDS_CLIENTS_FILE`): which CDS clients (EHRs) may call the
 * service, how their JWT signing keys are found, which tenants they speak for
 * and which FHIR servers they may send as `fhirServer`. Loaded and validated
 * once at start-up; a bad file stops the service with the field named.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_URL_CHARS, withoutTrailingSlashes } from '../fhir/url-guard.js';

/** Algorithms every client may use (CDS Hooks 2.0 recommends exactly these two). */
export const DEFAULT_ALGORITHMS = ['ES384', 'RS384'] as const;

/** Further asymmetric algorithms a client may be given in `additionalAlgorithms`. */
export const OPTIONAL_ALGORITHMS = ['ES256', 'ES512', 'RS256', 'RS512', 'PS256', 'PS384'] as const;

/** A JWS algorithm this service can be configured to accept (never `none`, never HMAC). */
export type AllowedAlgorithm = (typeof DEFAULT_ALGORITHMS)[number] | (typeof OPTIONAL_ALGORITHMS)[number];

/** A public JWK of a client, as it appears in a static JWKS. */
export interface PublicJwk {
  readonly kty: 'EC' | 'RSA';
  readonly kid: string;
  readonly [parameter: string]: unknown;
}

/** One registered CDS client, normalized. */
export interface RegisteredClient {
  /** The `iss` its tokens carry. */
  readonly iss: string;
  /** A label for logs; defaults to `iss`. */
  readonly name: string;
  /** Static public keys (out-of-band exchange). */
  readonly jwks?: { readonly keys: readonly PublicJwk[] };
  /** The URL of its JWK Set. */
  readonly jwksUrl?: string;
  /** `jku` header values that may be fetched for this client (normalized URLs). */
  readonly allowedJku: readonly string[];
  /** The algorithms accepted from it: ES384, RS384 and its `additionalAlgorithms`. */
  readonly algorithms: readonly AllowedAlgorithm[];
  /** When present, the `tenant` claim must be one of these. */
  readonly tenants?: readonly string[];
  /** FHIR base URLs it may send as `fhirServer` (normalized, no trailing slash). */
  readonly fhirServers: readonly string[];
}

/** The clients, by `iss`. */
export type ClientRegistry = ReadonlyMap<string, RegisteredClient>;

const PRIVATE_OR_SECRET = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

const publicJwk = z
  .object({
    kty: z.enum(['EC', 'RSA'], 'must be "EC" or "RSA" (symmetric and other key types are not accepted)'),
    kid: z.string().min(1, 'is required on every key (tokens select keys by kid)'),
  })
  .loose()
  .superRefine((jwk, ctx) => {
    for (const p of PRIVATE_OR_SECRET) {
      if (p in jwk)
        ctx.addIssue({
          code: 'custom',
          message: `holds private key material ("${p}"): give public keys only`,
        });
    }
  });

function urlSchema(production: boolean) {
  return z
    .string('must be an http(s) URL')
    .max(MAX_URL_CHARS, `must be at most ${MAX_URL_CHARS} characters`)
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
    .refine((value) => !production || value.startsWith('https://'), 'must be an https URL in production');
}

const algorithm = z.enum(OPTIONAL_ALGORITHMS, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not allowed: one of ${OPTIONAL_ALGORITHMS.join(', ')} (ES384 and RS384 are always allowed; none and HMAC never)`,
});

function clientSchema(production: boolean) {
  const url = urlSchema(production);
  return z
    .object({
      iss: z.string().min(1, 'is required'),
      name: z.string().min(1).optional(),
      jwks: z.object({ keys: z.array(publicJwk).min(1, 'must hold at least one key') }).optional(),
      jwksUrl: url.optional(),
      allowedJku: z.array(url).optional(),
      additionalAlgorithms: z.array(algorithm).optional(),
      tenants: z.array(z.string().min(1)).min(1, 'must list at least one tenant when present').optional(),
      fhirServers: z.array(url, 'is required: the FHIR base URLs this client may send (may be empty)'),
    })
    .strict()
    .refine((c) => c.jwks || c.jwksUrl || (c.allowedJku && c.allowedJku.length > 0), {
      message: 'needs a key source: jwks, jwksUrl or allowedJku',
      path: ['jwks'],
    });
}

function fileSchema(production: boolean) {
  return z
    .object({ clients: z.array(clientSchema(production)).min(1, 'must list at least one client') })
    .strict();
}

/** A URL in the form used for comparisons: WHATWG-normalized (lower-case scheme and host, default port dropped). */
export function normalizeUrl(url: string): string {
  return new URL(url).href;
}

/** A FHIR base URL in the form used for comparisons: normalized, without trailing slashes. */
export function normalizeFhirBase(url: string): string {
  if (url.length > MAX_URL_CHARS) throw new Error('URL too long');
  return withoutTrailingSlashes(normalizeUrl(url));
}

/**
 * Validates the parsed JSON of a clients file and builds the registry.
 * Throws an Error naming the field at fault. In production every URL must be https.
 */
export function parseClients(json: unknown, production: boolean, source = 'clients file'): ClientRegistry {
  const parsed = fileSchema(production).safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new Error(`invalid ${source}:\n- ${lines.join('\n- ')}`);
  }
  const registry = new Map<string, RegisteredClient>();
  parsed.data.clients.forEach((c, index) => {
    if (registry.has(c.iss))
      throw new Error(`invalid ${source}: clients.${index}.iss: "${c.iss}" is listed twice`);
    registry.set(c.iss, {
      iss: c.iss,
      name: c.name ?? c.iss,
      ...(c.jwks ? { jwks: { keys: c.jwks.keys } } : {}),
      ...(c.jwksUrl ? { jwksUrl: normalizeUrl(c.jwksUrl) } : {}),
      allowedJku: (c.allowedJku ?? []).map(normalizeUrl),
      algorithms: [...DEFAULT_ALGORITHMS, ...new Set(c.additionalAlgorithms ?? [])],
      ...(c.tenants ? { tenants: c.tenants } : {}),
      fhirServers: c.fhirServers.map(normalizeFhirBase),
    });
  });
  return registry;
}

/** Reads and validates the clients file at `path`. Throws an Error that names the file and the field. */
export function loadClients(path: string, production: boolean): ClientRegistry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `CDS_CLIENTS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`CDS_CLIENTS_FILE: ${path} is not valid JSON`);
  }
  return parseClients(json, production, `clients file ${path}`);
}
