/**
 * PostgreSQL for the tests: the server `.ci/postgres start` runs, named by
 * TEST_DATABASE_URL. Each test file works in its own schema. In CI
 * (CI=true) a missing server fails the tests; locally they are skipped with
 * a message saying how to run them.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.TEST_DATABASE_URL;

/** `describe` for tests that need PostgreSQL. */
export function describePostgres(name: string, body: () => void): void {
  if (PG_URL) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test('TEST_DATABASE_URL names a PostgreSQL server (CI starts one with .ci/postgres start)', () => {
        throw new Error('TEST_DATABASE_URL is not set: PostgreSQL tests cannot run in CI without it');
      });
    });
  } else {
    describe.skip(`${name} [skipped: no TEST_DATABASE_URL; run eval "$(.ci/postgres start)" first]`, body);
  }
}

/** A new, empty schema; the returned URL makes it the search path. */
export async function freshSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!PG_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `test_${randomUUID().replaceAll('-', '')}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}
