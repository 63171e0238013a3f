/**
 * A FHIR server on loopback that misbehaves on demand (plain node:http, so
 * that it can hang, cut, lie about JSON or stream 50 MB). Each request is
 * answered by the behaviour set for its resource type; unset types are
 * answered well, from the fixture store.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FhirStore } from '../../src/demo/fhir-store.js';
import { queryStore } from '../../src/demo/search.js';

/** How one request is answered. */
export type Behaviour = (req: IncomingMessage, res: ServerResponse, base: string) => void;

/** The server, its base URL, the requests it saw and the behaviour per resource type. */
export interface MisbehavingFhir {
  readonly base: string;
  readonly server: Server;
  /** Paths (with query) of every request received, in order. */
  readonly seen: string[];
  /** Behaviour per resource type (`Observation`, `Condition`, …); others answer from the store. */
  readonly behaviours: Map<string, Behaviour>;
  readonly close: () => Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}

/** Answers from the store, as a well-behaved server would. */
export function wellBehaved(store: FhirStore): Behaviour {
  return (req, res) => {
    const relative = (req.url ?? '/').replace(/^\/fhir\//, '');
    const found = queryStore(store, relative);
    if (found === null) json(res, 404, { resourceType: 'OperationOutcome', issue: [] });
    else json(res, 200, found);
  };
}

/** Never answers (the socket stays open until the server closes). */
export const hang: Behaviour = () => undefined;

/** Answers with a status and an OperationOutcome. */
export function status(code: number): Behaviour {
  return (_req, res) =>
    json(res, code, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: `HTTP ${code} on purpose` }],
    });
}

/** Answers 200 with a body that is not JSON. */
export const malformedJson: Behaviour = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  res.end('{"resourceType": "Bundle", "type": "searchset", "entry": [ {"resource": ');
};

/** A searchset page whose `next` link is always `next(page)`: a loop, an endless chain or another host. */
export function paging(next: (page: number, base: string) => string): Behaviour {
  return (req, res, base) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 0);
    json(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'next', url: next(page, base) }],
    });
  };
}

/** Streams `megabytes` MB of a valid-looking Bundle, chunked, as fast as the client reads. */
export function huge(megabytes: number): Behaviour {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    const filler = `{"resource":{"resourceType":"Basic","id":"${'x'.repeat(1000)}"}},`;
    const chunk = filler.repeat(Math.ceil((64 * 1024) / filler.length));
    let sent = 0;
    const total = megabytes * 1024 * 1024;
    res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end('{}]}');
    };
    res.on('error', () => undefined);
    pump();
  };
}

/** A searchset of the given resources. */
export function bundleOf(resources: readonly object[]): Behaviour {
  return (_req, res) =>
    json(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: resources.map((resource) => ({ resource })),
    });
}

/** Starts the server on 127.0.0.1 with every type answered from `store`. */
export async function startMisbehavingFhir(store: FhirStore): Promise<MisbehavingFhir> {
  const seen: string[] = [];
  const behaviours = new Map<string, Behaviour>();
  const fallback = wellBehaved(store);
  let base = '';
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const type = /^\/fhir\/([A-Za-z]+)/.exec(req.url ?? '')?.[1] ?? '';
    (behaviours.get(type) ?? fallback)(req, res, base);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    base,
    server,
    seen,
    behaviours,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
