/**
 * Every call the simulated EHR makes to the CDS service, timed and kept for
 * the inspector: the exact body sent and the exact text received.
 */

export type CallKind = 'discovery' | 'hook' | 'feedback' | 'fhir';

/** One HTTP exchange. */
export interface Exchange {
  readonly id: number;
  readonly kind: CallKind;
  readonly label: string;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly started: Date;
  /** The body exactly as sent. */
  readonly requestBody?: string;
  readonly requestHeaders: Record<string, string>;
  /** HTTP status, or 0 when the request failed before an answer. */
  readonly status: number;
  /** The response body exactly as received, or the network error. */
  readonly responseText: string;
  /** From just before the request to the end of the response body. */
  readonly ms: number;
  /** FHIR queries made to fill the prefetch of a hook call. */
  readonly prefetch?: readonly Exchange[];
  /** Time spent filling the prefetch, before the hook call. */
  readonly prefetchMs?: number;
}

let nextId = 1;

/** Makes one request and returns the timed exchange (never throws). */
export async function exchange(
  kind: CallKind,
  label: string,
  method: 'GET' | 'POST',
  url: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<Exchange> {
  const requestHeaders = { Accept: 'application/json', ...(options.headers ?? {}) };
  const started = new Date();
  const t0 = performance.now();
  let status = 0;
  let responseText: string;
  try {
    const res = await fetch(url, {
      method,
      headers: requestHeaders,
      ...(options.body !== undefined ? { body: options.body } : {}),
      cache: 'no-store',
      credentials: 'omit',
    });
    status = res.status;
    responseText = await res.text();
  } catch (error) {
    responseText = `network error: ${(error as Error).message}`;
  }
  const ms = performance.now() - t0;
  return {
    id: nextId++,
    kind,
    label,
    method,
    url,
    started,
    ...(options.body !== undefined ? { requestBody: options.body } : {}),
    requestHeaders,
    status,
    responseText,
    ms,
  };
}

/** The parsed JSON body of an exchange, or undefined. */
export function jsonOf(x: Exchange): unknown {
  try {
    return JSON.parse(x.responseText) as unknown;
  } catch {
    return undefined;
  }
}

/** A random version 4 UUID (crypto.randomUUID needs a secure context; this does not). */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
