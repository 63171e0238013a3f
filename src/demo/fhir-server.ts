/**
 * A small read-only FHIR R4 (4.0.1) server over an in-memory store: the
 * CapabilityStatement at `/metadata`, instance reads, and type-level search
 * (GET and `POST [type]/_search`) with the parameters each type declares,
 * `_count`, `_summary=count` and paging. Everything it answers is FHIR JSON
 * (`application/fhir+json`); every error is an OperationOutcome.
 *
 * Search parameters it does not support are ignored and left out of the
 * Bundle's `self` link, as FHIR's lenient handling allows; a client that asks
 * for `Prefer: handling=strict` gets 400 instead.
 *
 * It backs the demo default (fixture patients at /demo/fhir, no EHR needed)
 * and the tests of the FHIR fallback, which can make it page and demand a
 * bearer token.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Bundle, CapabilityStatement, FhirResource } from 'fhir/r4.js';
import type { FhirStore } from './fhir-store.js';
import { parseSearch, runSearch, searchParamsOf, servedTypes } from './search.js';
import { outcome } from '../protocol/errors.js';

/** Options of the demo FHIR server. */
export interface DemoFhirOptions {
  /** Results per page when the client gives no `_count` (default 50). */
  readonly pageSize?: number;
  /** Most results per page whatever `_count` asks (default: the larger of 500 and `pageSize`). */
  readonly maxPageSize?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly requiredToken?: string;
}

/** The FHIR version served. */
export const FHIR_VERSION = '4.0.1';

/** Result parameters understood on every search (`_offset` is this server's own paging cursor). */
const RESULT_PARAMS = ['_count', '_summary', '_format', '_offset'] as const;

const JSON_FORMATS = ['json', 'application/json', 'application/fhir+json'];

/** The CapabilityStatement of a demo FHIR server over `store`. */
export function capabilityStatement(store: FhirStore, baseUrl: string, date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Restless legs syndrome CDS Hooks service (demo)',
    kind: 'instance',
    software: { name: 'RLS CDS Hooks demo FHIR server' },
    implementation: {
      description: 'Read-only demo FHIR server with the fixture patients (not for production use)',
      url: baseUrl,
    },
    fhirVersion: FHIR_VERSION,
    format: ['json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Read-only. Search parameters a type does not list are ignored and left out of the self link; ' +
          'with "Prefer: handling=strict" they are refused (400). `_count` is honoured up to the page limit; ' +
          '`_summary=count` returns the total only.',
        resource: servedTypes(store).map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          versioning: 'no-version',
          readHistory: false,
          updateCreate: false,
          searchParam: searchParamsOf(type).map((p) => ({
            name: p.name,
            type: p.type,
            documentation: p.documentation,
          })),
        })),
      },
    ],
  };
}

function baseOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
}

function strict(req: Request): boolean {
  return /(^|[;,\s])handling\s*=\s*strict\b/i.test(req.get('prefer') ?? '');
}

/** The demo FHIR server as an express router (mount it at any path). */
export function demoFhirRouter(store: FhirStore, options: DemoFhirOptions = {}): Router {
  const pageSize = options.pageSize ?? 50;
  const maxPageSize = options.maxPageSize ?? Math.max(500, pageSize);
  const served = new Set<string>(servedTypes(store));
  const started = new Date().toISOString();
  const router = express.Router();

  router.use((req, res, next) => {
    res.type('application/fhir+json');
    if (options.requiredToken && req.get('authorization') !== `Bearer ${options.requiredToken}`) {
      res.status(401).json(outcome('login', 'a valid bearer token is required'));
      return;
    }
    const format = typeof req.query._format === 'string' ? req.query._format : undefined;
    if (format !== undefined && !JSON_FORMATS.includes(format.split(';')[0]?.trim() ?? '')) {
      res.status(406).json(outcome('not-supported', `_format "${format}" is not served; only JSON is`));
      return;
    }
    next();
  });

  router.get('/metadata', (req, res) => {
    res.json(capabilityStatement(store, baseOf(req), started));
  });

  function unknownType(type: string, res: Response): boolean {
    if (served.has(type)) return false;
    res.status(404).json(outcome('not-supported', `resource type "${type}" is not served by this server`));
    return true;
  }

  function search(req: Request<{ type: string }>, res: Response, params: URLSearchParams): void {
    const { type } = req.params;
    if (unknownType(type, res)) return;
    const { filters, unsupported } = parseSearch(type, params, RESULT_PARAMS);
    if (unsupported.length > 0 && strict(req)) {
      res
        .status(400)
        .json(
          outcome(
            'not-supported',
            `search parameter(s) not supported for ${type}: ${unsupported.join(', ')}`,
          ),
        );
      return;
    }
    const countText = params.get('_count');
    const count = countText === null ? pageSize : Number(countText);
    if (!Number.isInteger(count) || count < 0) {
      res.status(400).json(outcome('invalid', '_count must be a non-negative integer', '_count'));
      return;
    }
    const summary = params.get('_summary');
    if (summary !== null && summary !== 'count' && summary !== 'false') {
      res
        .status(400)
        .json(
          outcome('not-supported', `_summary=${summary} is not supported (count and false are)`, '_summary'),
        );
      return;
    }
    const offset = Math.max(0, Number(params.get('_offset') ?? 0) || 0);
    const size = Math.min(count, maxPageSize);
    const all = runSearch(store, type, filters);
    const onlyTotal = summary === 'count' || size === 0;
    const page: FhirResource[] = onlyTotal ? [] : all.slice(offset, offset + size);

    // The self link names exactly what was applied; the next link continues it.
    const applied = new URLSearchParams(filters.map(([k, v]): [string, string] => [k, v]));
    if (countText !== null) applied.set('_count', String(count));
    if (summary !== null) applied.set('_summary', summary);
    const self = `${baseOf(req)}/${type}`;
    const pageQuery = (at: number): string => {
      const q = new URLSearchParams(applied);
      if (at > 0) q.set('_offset', String(at));
      const text = q.toString();
      return text ? `${self}?${text}` : self;
    };
    const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: pageQuery(offset) }];
    if (!onlyTotal && offset + size < all.length)
      link.push({ relation: 'next', url: pageQuery(offset + size) });
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      link,
      ...(page.length > 0
        ? {
            entry: page.map((resource) => ({
              fullUrl: `${self}/${resource.id ?? ''}`,
              resource,
              search: { mode: 'match' as const },
            })),
          }
        : {}),
    };
    res.json(bundle);
  }

  router.get('/:type', (req, res) => {
    search(req, res, new URL(req.originalUrl, 'http://x').searchParams);
  });

  router.post(
    '/:type/_search',
    express.urlencoded({ extended: false, limit: '64kb', type: 'application/x-www-form-urlencoded' }),
    (req: Request<{ type: string }>, res) => {
      const params = new URL(req.originalUrl, 'http://x').searchParams;
      const body: unknown = req.body;
      if (body && typeof body === 'object')
        for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
          for (const value of Array.isArray(v) ? v : [v])
            if (typeof value === 'string') params.append(k, value);
        }
      search(req, res, params);
    },
  );

  router.get('/:type/:id', (req, res) => {
    if (unknownType(req.params.type, res)) return;
    const resource = store.get(req.params.type)?.get(req.params.id);
    if (!resource) {
      res.status(404).json(outcome('not-found', `${req.params.type}/${req.params.id} is not known`));
      return;
    }
    res.json(resource);
  });

  // Anything else: a write (this server is read-only) or an interaction it does not offer.
  router.all('/{*rest}', (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.status(404).json(outcome('not-supported', `${req.path} is not an interaction of this server`));
      return;
    }
    res
      .status(405)
      .set('Allow', 'GET, HEAD, POST')
      .json(outcome('not-supported', 'this FHIR server is read-only (read and search only)'));
  });

  return router;
}
