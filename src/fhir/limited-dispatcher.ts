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

/** The handler, with `onTooLarge` told when the size limit ends the response. */
function observed(handler: Dispatcher.DispatchHandler, onTooLarge: () => void): Dispatcher.DispatchHandler {
  return new Proxy(handler, {
    get(target, key) {
      if (key === 'onResponseError') {
        return (controller: Dispatcher.DispatchController, error: Error): void => {
          if ((error as { code?: string }).code === TOO_LARGE) onTooLarge();
          target.onResponseError?.(controller, error);
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
 * fetch's own error does not reliably say why it was terminated.
 */
export function limitedDispatcher(maxBytes: number, onTooLarge?: () => void): FetchDispatcher {
  const agent = sharedAgent(maxBytes);
  const dispatcher: Dispatcher = onTooLarge
    ? agent.compose((dispatch) => (options, handler) => dispatch(options, observed(handler, onTooLarge)))
    : agent;
  // undici 7 implements the dispatcher protocol of Node 20's bundled fetch (undici 6);
  // only their TypeScript declarations differ, hence the cast.
  return dispatcher as unknown as FetchDispatcher;
}
