/**
 * A fetch dispatcher that refuses response bodies above a size. fhir-kit-client
 * and jose read whole bodies themselves (`response.text()`/`json()`), so the
 * limit has to sit below fetch: undici's `maxResponseSize` aborts the
 * transfer as soon as more bytes than allowed arrive (chunked or not), and
 * fetch then rejects.
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

/** The handler, with `onTooLarge` told when the size limit ends the response and body bytes charged to the budget. */
function observed(handler: Dispatcher.DispatchHandler, o: Observers): Dispatcher.DispatchHandler {
  let aborted = false;
  return new Proxy(handler, {
    get(target, key) {
      if (key === 'onResponseError') {
        return (controller: Dispatcher.DispatchController, error: Error): void => {
          if ((error as { code?: string }).code === TOO_LARGE) o.onTooLarge?.();
          target.onResponseError?.(controller, error);
        };
      }
      if (key === 'onResponseData' && o.budget) {
        const budget = o.budget;
        return (controller: Dispatcher.DispatchController, chunk: Buffer): void => {
          if (aborted) return;
          if (!budget.charge(chunk.length)) {
            // Stop reading and drop the rest. The abort is deferred: undici 6's fetch hangs on a body
            // aborted synchronously from inside its own data callback.
            aborted = true;
            controller.pause();
            setImmediate(() => controller.abort(new ByteBudgetExceeded()));
            return;
          }
          target.onResponseData?.(controller, chunk);
        };
      }
      if (key === 'onResponseEnd' && o.budget) {
        return (
          controller: Dispatcher.DispatchController,
          trailers: Record<string, string | string[]>,
        ): void => {
          // A body cut short by the budget must never reach the reader as complete.
          if (aborted) setImmediate(() => target.onResponseError?.(controller, new ByteBudgetExceeded()));
          else target.onResponseEnd?.(controller, trailers);
        };
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
  const dispatcher: Dispatcher =
    onTooLarge || budget
      ? agent.compose((dispatch) => (options, handler) => dispatch(options, observed(handler, o)))
      : agent;
  // undici 7 implements the dispatcher protocol of Node 20's bundled fetch (undici 6);
  // only their TypeScript declarations differ, hence the cast.
  return dispatcher as unknown as FetchDispatcher;
}
