/**
 * The dispatcher under the FHIR client and the JWKS fetch, over real sockets
 * on loopback, read the way fhir-kit-client reads (Node's global fetch with a
 * `Request`, then the whole body): a body over the size limit is refused and
 * reported as too large, every body byte is charged to the call's byte
 * budget, and a response cut by the budget always ends in an error, never as
 * a complete (shorter or empty) body.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ByteBudget, limitedDispatcher } from '../../src/fhir/limited-dispatcher.js';

let server: Server;
let base: string;
/** Bytes the server had written of its last chunked body when it finished or the client hung up. */
let lastSent = 0;

beforeAll(async () => {
  // GET /?n=<bytes>&chunks=<writes>: n bytes of JSON-ish text; one write with a content-length, or
  // several writes a few ms apart (chunked transfer encoding).
  server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const n = Number(query.get('n'));
    const chunks = Number(query.get('chunks') ?? 1);
    if (chunks === 1) {
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': String(n) });
      res.end('x'.repeat(n));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    const per = Math.ceil(n / chunks);
    let sent = 0;
    let closed = false;
    res.on('close', () => {
      closed = true;
      lastSent = sent;
    });
    const next = (): void => {
      if (closed) return;
      if (sent >= n) {
        res.end();
        return;
      }
      const size = Math.min(per, n - sent);
      sent += size;
      res.write('x'.repeat(size));
      setTimeout(next, 2);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** The whole body, or that reading it failed (fetch's error does not reliably carry the reason). */
type Read = { readonly body: string } | { readonly failed: true };
const FAILED: Read = { failed: true };

/** Fetches `/?n=…&chunks=…` through `dispatcher` and reads the whole body, as fhir-kit-client does. */
async function read(n: number, chunks: number, dispatcher: RequestInit['dispatcher']): Promise<Read> {
  const req = new Request(`${base}/?n=${n}&chunks=${chunks}`, {
    dispatcher,
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
  });
  try {
    const res = await fetch(req);
    return { body: await res.text() };
  } catch {
    return FAILED;
  }
}

describe('response size limit', () => {
  test('a body of exactly the limit is read whole, and the limit is not reported', async () => {
    let tooLarge = false;
    const result = await read(
      4096,
      1,
      limitedDispatcher(4096, () => (tooLarge = true)),
    );
    expect(result).toEqual({ body: 'x'.repeat(4096) });
    expect(tooLarge).toBe(false);
  });

  test.each([
    ['in one piece with a content-length', 1],
    ['in chunks', 8],
  ])('one byte over the limit, sent %s, is refused and reported as too large', async (_how, chunks) => {
    let tooLarge = false;
    const result = await read(
      4097,
      chunks,
      limitedDispatcher(4096, () => (tooLarge = true)),
    );
    expect(result).toEqual(FAILED);
    expect(tooLarge).toBe(true);
  });

  test('a body far over the limit is refused long before the server has sent it all', async () => {
    const result = await read(
      5_000_000,
      500,
      limitedDispatcher(4096, () => undefined),
    );
    expect(result).toEqual(FAILED);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // 10 kB writes: the connection is dropped after the first few, not after all 500.
    expect(lastSent).toBeGreaterThan(0);
    expect(lastSent).toBeLessThan(500_000);
  });
});

describe('per-call byte budget', () => {
  test('responses that fit are read whole and charged their length, up to exactly the budget', async () => {
    const budget = new ByteBudget(10_000);
    expect(await read(4000, 1, limitedDispatcher(-1, undefined, budget))).toEqual({ body: 'x'.repeat(4000) });
    expect(await read(6000, 4, limitedDispatcher(-1, undefined, budget))).toEqual({ body: 'x'.repeat(6000) });
    expect(budget.used).toBe(10_000);
    expect(budget.exhausted).toBe(false);
  });

  test('the response that goes one byte past the budget is aborted, and the budget is then exhausted', async () => {
    const budget = new ByteBudget(10_000);
    expect(await read(9999, 1, limitedDispatcher(-1, undefined, budget))).toEqual({ body: 'x'.repeat(9999) });
    expect(await read(2, 1, limitedDispatcher(-1, undefined, budget))).toEqual(FAILED);
    expect(budget.exhausted).toBe(true);
  });

  test.each([
    ['in one piece with a content-length', 1],
    ['in chunks', 10],
  ])(
    'a body past the budget sent %s never reaches the reader as complete, not even shortened or empty',
    async (_how, chunks) => {
      const budget = new ByteBudget(12_000);
      let tooLarge = false;
      const result = await read(
        50_000,
        chunks,
        limitedDispatcher(-1, () => (tooLarge = true), budget),
      );
      expect(result).toEqual(FAILED);
      expect(budget.exhausted).toBe(true);
      // The budget, not the size limit, ended it.
      expect(tooLarge).toBe(false);
    },
  );

  test('parallel responses share one budget: together they cannot read more than it', async () => {
    const budget = new ByteBudget(20_000);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => read(8000, 8, limitedDispatcher(-1, undefined, budget))),
    );
    const whole = results.filter((r) => 'body' in r);
    expect(whole.length).toBeLessThanOrEqual(2);
    for (const r of whole) expect(r).toEqual({ body: 'x'.repeat(8000) });
    expect(results.filter((r) => 'failed' in r)).toEqual(
      Array.from({ length: 4 - whole.length }, () => FAILED),
    );
  });
});
