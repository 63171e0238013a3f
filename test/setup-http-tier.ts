/**
 * The HTTP tier runs on the in-memory store (sql.js, SQLite in WebAssembly)
 * and so needs no native SQLite build: here, loading better-sqlite3 fails
 * the test that caused it. Tests of the SQLite file belong to the system tier.
 */
import { jest } from '@jest/globals';

jest.unstable_mockModule('better-sqlite3', () => {
  throw new Error(
    'better-sqlite3 (the native SQLite build of the file store) was loaded in the HTTP tier, which runs on the in-memory store; move tests of the SQLite file to the system tier',
  );
});
