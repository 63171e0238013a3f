/**
 * A fetch dispatcher that refuses response bodies above a size and charges
 * every body chunk to a per-call byte budget. fhir-kit-client and jose read
 * whole bodies themselves (`response.text()`/`json()`), so the limits have to
 * sit below fetch: undici's `maxResponseSize` aborts the transfer as soon as
 * more bytes than allowed arrive (chunked or not), and fetch then rejects.
 *
 * Why the npm undici major is Node's: the global fetch that uses this
 * dispatcher is the undici bundled inside Node (`process.versions.undici`),
 * and it drives the dispatcher through its own major's handler protocol
 * (undici 6: onConnect/onHeaders/onData/onComplete/onError). The `Agent` here
 * must come from the same major (package.json pins undici 6 for Node 20, whose
 * fetch is undici 6), so the interceptor below speaks exactly what fetch
 * calls, and the `Agent` is a `RequestInit['dispatcher']` (undici-types 6,
 * from @types/node 20) without a cast. On a Node upgrade, follow
 * docs/security.md ("Response size limits and Node's fetch"): move
 * engines.node and @types/node, install the npm undici of the major
 * `process.versions.undici` reports, and rewrite the interceptor if that
 * major changed. test/unit/fetch-transport.test.ts fails until the majors agree.
 */
import { Agent, type Dispatcher } from 'undici';

/** What Node's fetch accepts as `RequestInit.dispatcher`. */
export type FetchDispatcher = NonNullable<RequestInit['dispatcher']>;

const TOO_LARGE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';
const agents = new Map<number, Agent>();

function sharedAgent(maxBytes: number): Agent {
  let agent = agents.get(maxBytes);
  if (!agent) {
    agent = new Agent({ maxResponseSize: maxBytes });
    agents.set(maxBytes, agent);
  }
  return agent;
}

/**
 * The bytes all FHIR responses of one hook call may add up to. Shared by the
 * call's parallel queries; every body chunk is charged as it arrives, and the
 * response that goes past the limit is aborted.
 */
export class ByteBudget {
  private usedBytes = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes charged so far. */
  get used(): number {
    return this.usedBytes;
  }

  /** True once the charges have gone past the limit: no further request is made. */
  get exhausted(): boolean {
    return this.usedBytes > this.limitBytes;
  }

  /** Charges `bytes`; false when that goes past the limit. */
  charge(bytes: number): boolean {
    this.usedBytes += bytes;
    return !this.exhausted;
  }
}

/** The error a response is aborted with when the call's {@link ByteBudget} runs out. */
export class ByteBudgetExceeded extends Error {
  readonly code = 'CDS_BYTE_BUDGET_EXCEEDED';
  constructor() {
    super('the FHIR data budget of this call is used up');
    this.name = 'ByteBudgetExceeded';
  }
}

interface Observers {
  readonly onTooLarge?: () => void;
  readonly budget?: ByteBudget;
}

/**
 * The handler fetch passed in, seen through: `onTooLarge` is told when the
 * size limit ends the response, and with a budget every body chunk is
 * charged before fetch sees it. Everything else goes to the handler itself
 * (fetch's handler keeps its state on `this`).
 */
function observed(handler: Dispatcher.DispatchHandlers, o: Observers): Dispatcher.DispatchHandlers {
  const { budget } = o;
  let abort: ((error?: Error) => void) | undefined;
  let cut = false;
  const own: Dispatcher.DispatchHandlers = {
    onConnect(abortRequest) {
      abort = abortRequest;
      handler.onConnect?.(abortRequest);
    },
    onError(error) {
      if ((error as { code?: string }).code === TOO_LARGE) o.onTooLarge?.();
      handler.onError?.(error);
    },
    onData(chunk) {
      if (cut) return false;
      if (budget && !budget.charge(chunk.length)) {
        // Stop reading (false pauses the socket), drop the rest, and abort. The abort is deferred:
        // fetch hangs on a body aborted synchronously from inside its own data callback.
        cut = true;
        setImmediate(() => abort?.(new ByteBudgetExceeded()));
        return false;
      }
      return handler.onData ? handler.onData(chunk) : true;
    },
    onComplete(trailers) {
      // A body cut short by the budget must never reach the reader as complete.
      if (cut) setImmediate(() => handler.onError?.(new ByteBudgetExceeded()));
      else handler.onComplete?.(trailers);
    },
  };
  return new Proxy(handler, {
    get(target, key) {
      if (Object.hasOwn(own, key)) {
        const mine: unknown = Reflect.get(own, key);
        return mine;
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A keep-alive dispatcher (connections shared per size) that aborts any
 * response body longer than `maxBytes`. `onTooLarge` is called when it does:
 * fetch's own error does not reliably say why it was terminated. With a
 * `budget`, every body byte is also charged to it, and the response that
 * exhausts it is aborted.
 */
export function limitedDispatcher(
  maxBytes: number,
  onTooLarge?: () => void,
  budget?: ByteBudget,
): FetchDispatcher {
  const agent = sharedAgent(maxBytes);
  const o: Observers = { ...(onTooLarge ? { onTooLarge } : {}), ...(budget ? { budget } : {}) };
  if (!onTooLarge && !budget) return agent;
  return agent.compose((dispatch) => (options, handler) => dispatch(options, observed(handler, o)));
}
