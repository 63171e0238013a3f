import { MemoryReplayCache } from '../../src/auth/replay.js';

test('the in-memory replay cache forgets tokens once their lifetime has passed, without waiting to be full', async () => {
  let now = 1_000_000;
  const cache = new MemoryReplayCache(100_000, () => now);
  for (let i = 0; i < 50; i++) expect(await cache.claim(`jti-${i}`, 60)).toBe(true);
  expect(cache.size).toBe(50);
  now += 61_000;
  expect(await cache.claim('jti-new', 60)).toBe(true);
  expect(cache.size).toBe(1);
});

test('a token still within its lifetime is refused as a replay after others expired', async () => {
  let now = 0;
  const cache = new MemoryReplayCache(100_000, () => now);
  expect(await cache.claim('short', 10)).toBe(true);
  expect(await cache.claim('long', 300)).toBe(true);
  now += 11_000;
  expect(await cache.claim('other', 60)).toBe(true);
  expect(await cache.claim('long', 300)).toBe(false);
  expect(await cache.claim('short', 10)).toBe(true);
});
