/**
 * A small read-only FHIR R4 server over an in-memory store: instance reads
 * and patient-scoped searches with token filters and paging. It backs the
 * demo default (fixture patients at /demo/fhir, no EHR needed) and the tests
 * of the FHIR fallback, which can make it page and demand a bearer token.
 */
import express, { type Router } from 'express';
import type { Bundle } from 'fhir/r4.js';
import type { FhirStore } from './fhir-store.js';
import { searchStore } from './search.js';
import { outcome } from '../cds-hooks/errors.js';

/** Options of the demo FHIR server. */
export interface DemoFhirOptions {
  /** Results per page (default 50). */
  readonly pageSize?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly requiredToken?: string;
}

function param(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The demo FHIR server as an express router (mount it at any path). */
export function demoFhirRouter(store: FhirStore, options: DemoFhirOptions = {}): Router {
  const pageSize = options.pageSize ?? 50;
  const router = express.Router();

  router.use((req, res, next) => {
    if (options.requiredToken && req.get('authorization') !== `Bearer ${options.requiredToken}`) {
      res.status(401).json(outcome('login', 'a valid bearer token is required'));
      return;
    }
    res.type('application/fhir+json');
    next();
  });

  router.get('/:type/:id', (req, res) => {
    const resource = store.get(req.params.type)?.get(req.params.id);
    if (!resource) {
      res.status(404).json(outcome('not-found', `${req.params.type}/${req.params.id} is not known`));
      return;
    }
    res.json(resource);
  });

  router.get('/:type', (req, res) => {
    const offset = Math.max(0, Number(param(req.query._offset) ?? 0) || 0);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') params.set(k, v);
    const all = searchStore(store, req.params.type, params);
    const page = all.slice(offset, offset + pageSize);
    const self = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}/${req.params.type}`;
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query))
      if (typeof v === 'string' && k !== '_offset') query.set(k, v);
    const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: `${self}?${query.toString()}` }];
    if (offset + pageSize < all.length) {
      query.set('_offset', String(offset + pageSize));
      link.push({ relation: 'next', url: `${self}?${query.toString()}` });
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      link,
      entry: page.map((resource) => ({
        fullUrl: `${self}/${resource.id ?? ''}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    res.json(bundle);
  });

  return router;
}
