/**
 * A fetch dispatcher that refuses response bodies above a size. fhir-kit-client
 * and jose read whole bodies themselves (`response.text()`/`json()`), so the
 * limit has to sit below fetch: undici's `maxResponseSize` aborts the
 * transfer as soon as more bytes than allowed arrive (chunked or not), and
 * fetch then rejects with cause `UND_ERR_RES_EXCEEDED_MAX_SIZE`.
 */
import { Agent } from 'undici';

/** What Node's fetch accepts as `RequestInit.dispatcher`. */
export type FetchDispatcher = NonNullable<RequestInit['dispatcher']>;

const agents = new Map<number, FetchDispatcher>();

/**
 * A keep-alive dispatcher (one per size, shared) that aborts any response
 * body longer than `maxBytes`.
 */
export function limitedDispatcher(maxBytes: number): FetchDispatcher {
  let agent = agents.get(maxBytes);
  if (!agent) {
    // undici 7's Agent implements the dispatcher protocol of Node 20's bundled fetch (undici 6);
    // only their TypeScript declarations differ, hence the cast.
    agent = new Agent({ maxResponseSize: maxBytes }) as unknown as FetchDispatcher;
    agents.set(maxBytes, agent);
  }
  return agent;
}

/** True when a fetch failure is the size limit of {@link limitedDispatcher}. */
export function isResponseTooLarge(error: unknown): boolean {
  const e = error as { cause?: { code?: string }; code?: string };
  return (e?.cause?.code ?? e?.code) === 'UND_ERR_RES_EXCEEDED_MAX_SIZE';
}
