/**
 * Reading from the EHR's FHIR server with fhir-kit-client: one query with a
 * timeout that covers all its pages, bounded paging that stays on the same
 * server, and failures reported as values (never thrown, never with PHI).
 */
import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir/r4.js';
import { type ByteBudget, limitedDispatcher } from './limited-dispatcher.js';
import { bundleResources, isFailure, isResource, nextLink } from './resources.js';
import { urlUnderBase } from './url-guard.js';

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
  /** Bytes all responses of this hook call may add up to (shared by its queries). Unlimited when absent. */
  readonly budget?: ByteBudget;
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

/**
 * Why a key holds only part of what the FHIR server has:
 * - `page-limit`: more pages than `maxPages`;
 * - `repeated-link`: a `next` link back to a page already read;
 * - `foreign-link`: a `next` link outside the registered FHIR base (never followed);
 * - `byte-budget`: the call's byte budget ran out;
 * - `no-fhir-server`: a prefetch Bundle has a `next` link and the call gave no `fhirServer`;
 * - `error`, `timeout`: a later page failed.
 */
export type PartialReason =
  'page-limit' | 'repeated-link' | 'foreign-link' | 'byte-budget' | 'no-fhir-server' | 'error' | 'timeout';

/** The outcome of one query. `reason` never contains patient data, nor anything about another host. */
export type FetchOutcome =
  | {
      readonly ok: true;
      readonly resources: FhirResource[];
      /** Set when only part of the results was read, with why. */
      readonly partial?: PartialReason;
      readonly requests: number;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      /** What stopped it, in the vocabulary of {@link PartialReason}. */
      readonly cause: PartialReason;
      readonly requests: number;
    };

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

function clientFor(access: FhirAccess, onTooLarge: () => void): Client {
  const limited = access.maxResponseBytes !== undefined || access.budget !== undefined;
  return new Client({
    baseUrl: access.baseUrl,
    ...(access.accessToken ? { bearerToken: access.accessToken } : {}),
    // Redirects are never followed (a redirect could lead to another host, with the bearer token);
    // response bodies are cut off at maxResponseBytes.
    requestOptions: {
      redirect: 'manual',
      ...(limited
        ? { dispatcher: limitedDispatcher(access.maxResponseBytes ?? -1, onTooLarge, access.budget) }
        : {}),
    },
  });
}

/**
 * Runs one prefetch-style query (relative URL) or continues one from a next
 * link. Every URL, the first included, must lie under the FHIR base
 * ({@link urlUnderBase}); one that does not is never requested. Searches
 * follow `next` links up to `maxPages`, never the same URL twice, and stop
 * when the call's byte budget runs out. A read that answers 404 is "no data".
 * Once a page has been read (or with `continuation`: a next link from
 * prefetch, whose first page exists), any stop, a refused link, the budget
 * or a failing page, makes the key partial with its reason, not failed.
 */
export async function runQuery(
  access: FhirAccess,
  url: string,
  interaction: 'read' | 'search',
  continuation = false,
): Promise<FetchOutcome> {
  let tooLarge = false;
  const client = clientFor(access, () => {
    tooLarge = true;
  });
  const signal = AbortSignal.timeout(access.timeoutMs);
  const resources: FhirResource[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let pagesRead = 0;
  const partial = (why: PartialReason, failure: string): FetchOutcome =>
    pagesRead > 0 || continuation
      ? { ok: true, resources, partial: why, requests }
      : { ok: false, reason: failure, cause: why, requests };
  let next: string | undefined = url;
  try {
    while (next !== undefined) {
      const current = urlUnderBase(next, access.baseUrl);
      if (current === undefined)
        return partial('foreign-link', 'the query does not lie under the FHIR server base URL');
      if (seen.has(current)) return { ok: true, resources, partial: 'repeated-link', requests };
      if (requests >= access.maxPages) return { ok: true, resources, partial: 'page-limit', requests };
      if (access.budget?.exhausted)
        return partial('byte-budget', 'the FHIR data budget of this call was used up');
      seen.add(current);
      requests += 1;
      let body: unknown;
      const started = performance.now();
      try {
        body = await client.request(current, { options: { signal } });
        report(access, isResource(body) && !isFailure(body) ? 'ok' : 'invalid', started);
        // A page read while another query used up the budget is not kept either: past it, nothing more is taken.
        if (access.budget?.exhausted)
          return partial('byte-budget', 'the FHIR data budget of this call was used up');
      } catch (error) {
        report(access, requestOutcome(error), started);
        const status = (error as { response?: { status?: number } }).response?.status;
        if (interaction === 'read' && (status === 404 || status === 410))
          return { ok: true, resources, requests };
        throw error;
      }
      if (!isResource(body)) return partial('error', 'response is not a FHIR resource');
      if (isFailure(body)) return partial('error', 'server returned an OperationOutcome');
      if (interaction === 'read') return { ok: true, resources: [body], requests };
      if (body.resourceType !== 'Bundle') return partial('error', 'search did not return a Bundle');
      pagesRead += 1;
      resources.push(...bundleResources(body));
      next = nextLink(body);
    }
    return { ok: true, resources, requests };
  } catch (error) {
    if (access.budget?.exhausted)
      return partial('byte-budget', 'the FHIR data budget of this call was used up');
    const reason = tooLarge ? 'response too large' : classify(error);
    return partial(reason === 'timed out' ? 'timeout' : 'error', reason);
  }
}
