/**
 * `npm run report [-- --since 2026-10-01] [--json]`: the override analytics
 * of `GET /admin/feedback-summary` as a table in the terminal, read straight
 * from the configured store (DATABASE_URL, else the SQLite file in
 * CDS_DATA_DIR). In the container: `node dist/cli/report.js`.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SinceError, parseSince, summaryBody, summaryTable } from '../admin/summary.js';
import { loadConfig } from '../config.js';
import { describeStore, openStore, sqliteFile } from '../store/open.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { since: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: false,
  });
  const since = parseSince(values.since);
  const config = loadConfig();
  if (!config.databaseUrl && !existsSync(sqliteFile(config.dataDir))) {
    process.stderr.write(
      `no card log at ${sqliteFile(config.dataDir)}: start the service first, or set CDS_DATA_DIR or DATABASE_URL\n`,
    );
    return 1;
  }
  const store = await openStore(config);
  try {
    const summary = await store.feedbackSummary(since);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(summaryBody(summary, new Date()), null, 2)}\n`
        : `${summaryTable(summary)}(${describeStore(config)})\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof SinceError ? error.message : (error as Error).message;
    process.stderr.write(`report: ${message}\n`);
    process.exit(error instanceof SinceError ? 2 : 1);
  },
);
