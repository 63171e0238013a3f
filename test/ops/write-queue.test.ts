/**
 * The card-log write queue: the caller never waits, batches reach the store
 * in the background, failures are retried and reported, a full queue drops
 * and reports, and a flush at shutdown writes what is left.
 */
import { WriteQueue } from '../../src/store/write-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('push returns before the store has written anything, and the pump writes later', async () => {
  const gate = deferred();
  const written: number[][] = [];
  const queue = new WriteQueue<number>({
    maxEntries: 10,
    write: async (batch) => {
      await gate.promise;
      written.push([...batch]);
    },
  });
  expect(queue.push([1, 2, 3])).toBe(0);
  expect(written).toEqual([]);
  expect(queue.depth).toBe(3);
  gate.resolve();
  expect(await queue.flush(1000)).toBe(0);
  expect(written).toEqual([[1, 2, 3]]);
});

test('entries are written in batches of batchSize, in order', async () => {
  const written: number[][] = [];
  const queue = new WriteQueue<number>({
    maxEntries: 100,
    batchSize: 2,
    write: (batch) => {
      written.push([...batch]);
      return Promise.resolve();
    },
  });
  queue.push([1, 2, 3, 4, 5]);
  await queue.flush(1000);
  expect(written).toEqual([[1, 2], [3, 4], [5]]);
});

test('a failed write is reported, kept, and retried until the store is back', async () => {
  let down = true;
  const written: number[] = [];
  const errors: number[] = [];
  const queue = new WriteQueue<number>({
    maxEntries: 10,
    retryDelayMs: () => 10,
    write: (batch) => {
      if (down) return Promise.reject(new Error('store down'));
      written.push(...batch);
      return Promise.resolve();
    },
    onWriteError: (_e, n) => errors.push(n),
  });
  queue.push([7, 8]);
  await tick(30);
  expect(errors.length).toBeGreaterThanOrEqual(1);
  expect(errors[0]).toBe(2);
  expect(queue.depth).toBe(2);
  down = false;
  await tick(50);
  expect(written).toEqual([7, 8]);
  expect(queue.depth).toBe(0);
});

test('a full queue drops the overflow and reports how many entries were dropped', () => {
  const drops: number[] = [];
  const queue = new WriteQueue<number>({
    maxEntries: 3,
    write: () => new Promise(() => undefined), // a store that never answers
    onDrop: (n) => drops.push(n),
  });
  expect(queue.push([1, 2])).toBe(0);
  expect(queue.push([3, 4, 5])).toBe(2);
  expect(queue.depth).toBe(3);
  expect(drops).toEqual([2]);
});

test('flush gives up at its deadline and says how many entries are left', async () => {
  const queue = new WriteQueue<number>({ maxEntries: 10, write: () => new Promise(() => undefined) });
  queue.push([1, 2, 3]);
  const started = Date.now();
  expect(await queue.flush(100)).toBe(3);
  expect(Date.now() - started).toBeLessThan(1000);
});

test('flush does not wait for the retry back-off once a write has failed', async () => {
  let calls = 0;
  const queue = new WriteQueue<number>({
    maxEntries: 10,
    retryDelayMs: () => 60_000,
    write: () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('blip')) : Promise.resolve();
    },
  });
  queue.push([1]);
  await tick(10); // the first write fails; the retry is a minute away
  expect(queue.depth).toBe(1);
  expect(await queue.flush(1000)).toBe(0);
  expect(calls).toBe(2);
});
