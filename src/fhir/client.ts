/**
 * Reading from the EHR's FHIR server with fhir-kit-client: one query with a
 * timeout that covers all its pages, bounded paging that stays on the same
 * server, and failures reported as values (never thrown, never with PHI).
 */
import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir/r4.js';
import { limitedDispatcher } from './limited-dispatcher.js';
import { bundleResources, isFailure, isResource, nextLink } from './resources.js';

/** How to reach the EHR's FHIR server for one hook call. */
export interface FhirAccess {
  readonly baseUrl: string;
  readonly accessToken?: string;
  /** Time allowed for one query, all pages included (ms). */
  readonly timeoutMs: number;
  /** Pages followed at most per query. */
  readonly maxPages: number;
  /** Largest response body read (bytes); a larger one fails the query. Unlimited when absent. */
  readonly maxResponseBytes?: number;
  /** Told about every HTTP request made (metrics); never receives URLs, data or tokens. */
  readonly onRequest?: (event: FhirRequestEvent) => void;
}

/** One HTTP request to the FHIR server, as reported to {@link FhirAccess.onRequest}. */
export interface FhirRequestEvent {
  readonly outcome: 'ok' | 'not_found' | 'timeout' | 'http_error' | 'network_error' | 'invalid';
  readonly seconds: number;
}

function requestOutcome(error: unknown): FhirRequestEvent['outcome'] {
  const e = error as { name?: string; response?: { status?: number } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  const status = e?.response?.status;
  if (status === 404 || status === 410) return 'not_found';
  if (status === 200) return 'invalid';
  return typeof status === 'number' ? 'http_error' : 'network_error';
}

function report(access: FhirAccess, outcome: FhirRequestEvent['outcome'], started: number): void {
  try {
    access.onRequest?.({ outcome, seconds: (performance.now() - started) / 1000 });
  } catch {
    // an observer never breaks a query
  }
}

/** The outcome of one query. `reason` never contains patient data. */
export type FetchOutcome =
  | {
      readonly ok: true;
      readonly resources: FhirResource[];
      readonly truncated: boolean;
      readonly requests: number;
    }
  | { readonly ok: false; readonly reason: string; readonly requests: number };

function classify(error: unknown): string {
  const e = error as {
    name?: string;
    response?: { status?: number };
    cause?: { code?: string };
    code?: string;
  };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const status = e?.response?.status;
  if (typeof status === 'number' && status >= 300 && status < 400)
    return `redirect not followed (HTTP ${status})`;
  if (typeof e?.response?.status === 'number') {
    return e.response.status === 200 ? 'invalid JSON response' : `HTTP ${e.response.status}`;
  }
  const code = e?.cause?.code ?? e?.code;
  return code ? `network error (${code})` : 'request failed';
}

/** True when `url` lies under the FHIR base URL (same origin, same path prefix). */
export function isUnderBase(url: string, baseUrl: string): boolean {
  try {
    const u = new URL(url);
    const b = new URL(baseUrl);
    const basePath = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
    return u.origin === b.origin && (u.pathname + '/').startsWith(basePath);
  } catch {
    return false;
  }
}

function clientFor(access: FhirAccess, onTooLarge: () => void): Client {
  return new Client({
    baseUrl: access.baseUrl,
    ...(access.accessToken ? { bearerToken: access.accessToken } : {}),
    // Redirects are never followed (a redirect could lead to another host, with the bearer token);
    // response bodies are cut off at maxResponseBytes.
    requestOptions: {
      redirect: 'manual',
      ...(access.maxResponseBytes
        ? { dispatcher: limitedDispatcher(access.maxResponseBytes, onTooLarge) }
        : {}),
    },
  });
}

/**
 * Runs one prefetch-style query (relative URL) or continues one from a next
 * link. Searches follow `next` links up to `maxPages`, only on the same
 * server, never the same URL twice. A read that answers 404 is "no data".
 */
export async function runQuery(
  access: FhirAccess,
  url: string,
  interaction: 'read' | 'search',
): Promise<FetchOutcome> {
  let tooLarge = false;
  const client = clientFor(access, () => {
    tooLarge = true;
  });
  const signal = AbortSignal.timeout(access.timeoutMs);
  const resources: FhirResource[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let current: string | undefined = url;
  try {
    while (current) {
      if (requests >= access.maxPages) return { ok: true, resources, truncated: true, requests };
      seen.add(current);
      requests += 1;
      let body: unknown;
      const started = performance.now();
      try {
        body = await client.request(current, { options: { signal } });
        report(access, isResource(body) && !isFailure(body) ? 'ok' : 'invalid', started);
      } catch (error) {
        report(access, requestOutcome(error), started);
        const status = (error as { response?: { status?: number } }).response?.status;
        if (interaction === 'read' && (status === 404 || status === 410))
          return { ok: true, resources, truncated: false, requests };
        throw error;
      }
      if (!isResource(body)) return { ok: false, reason: 'response is not a FHIR resource', requests };
      if (isFailure(body)) return { ok: false, reason: 'server returned an OperationOutcome', requests };
      if (interaction === 'read') return { ok: true, resources: [body], truncated: false, requests };
      if (body.resourceType !== 'Bundle')
        return { ok: false, reason: 'search did not return a Bundle', requests };
      resources.push(...bundleResources(body));
      const next = nextLink(body);
      if (next && (!isUnderBase(next, access.baseUrl) || seen.has(next))) {
        // A next link to another server or back to a page already read: stop, and say the data is partial.
        return { ok: true, resources, truncated: true, requests };
      }
      current = next;
    }
    return { ok: true, resources, truncated: false, requests };
  } catch (error) {
    return { ok: false, reason: tooLarge ? 'response too large' : classify(error), requests };
  }
}
