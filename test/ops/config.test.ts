/**
 * The operations settings: defaults, and a malformed value stops start-up
 * with a message naming the variable (and never echoing a secret value).
 */
import { loadConfig } from '../../src/config.js';

const base = { NODE_ENV: 'test' };

test('defaults: SQLite in data/, queue of 10 000, 10 s grace, admin routes off, JSON logs outside development', () => {
  const c = loadConfig(base);
  expect(c).toMatchObject({
    dataDir: 'data',
    databasePoolMax: 10,
    storeQueueMax: 10_000,
    shutdownGraceMs: 10_000,
    logFormat: 'json',
  });
  expect(c.databaseUrl).toBeUndefined();
  expect(c.adminToken).toBeUndefined();
});

test('the demo default (development) logs pretty lines; LOG_FORMAT overrides it', () => {
  expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
  expect(loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
});

test('every operations variable is read', () => {
  const c = loadConfig({
    ...base,
    CDS_DATA_DIR: '/var/lib/cds',
    DATABASE_URL: 'postgresql://cds:pw@db.internal:5432/cds',
    DATABASE_POOL_MAX: '20',
    STORE_QUEUE_MAX: '500',
    CDS_ADMIN_TOKEN: 'a-long-enough-admin-token',
    SHUTDOWN_GRACE_MS: '25000',
    LOG_FORMAT: 'pretty',
  });
  expect(c).toMatchObject({
    dataDir: '/var/lib/cds',
    databaseUrl: 'postgresql://cds:pw@db.internal:5432/cds',
    databasePoolMax: 20,
    storeQueueMax: 500,
    adminToken: 'a-long-enough-admin-token',
    shutdownGraceMs: 25_000,
    logFormat: 'pretty',
  });
});

test.each([
  ['DATABASE_URL', 'mysql://user:hunter2-secret@db/cds'],
  ['DATABASE_URL', 'not a url'],
  ['DATABASE_POOL_MAX', '0'],
  ['STORE_QUEUE_MAX', 'lots'],
  ['SHUTDOWN_GRACE_MS', '-1'],
  ['LOG_FORMAT', 'xml'],
  ['CDS_ADMIN_TOKEN', 'short-secret'],
  ['CDS_DATA_DIR', ''],
])('%s=%j stops start-up with a message naming it', (name, value) => {
  let message = '';
  try {
    loadConfig({ ...base, [name]: value });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(new RegExp(`^- ${name}: `, 'm'));
  expect(message).not.toContain('secret');
});
