/**
 * Start-up: configuration, card templates, the demo FHIR store, listen, and
 * graceful shutdown.
 */
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { authFromConfig } from './auth/index.js';
import { DEFAULT_CARDS_DIR, loadTemplates } from './cards/templates.js';
import { loadConfig } from './config.js';
import { loadStore } from './demo/fhir-store.js';
import { daysSinceAnchor } from './demo/rebase.js';
import { createLogger } from './logger.js';
import { RULES } from './rules/index.js';

const FIXTURE_PATIENTS = fileURLToPath(new URL('../fhir-fixtures/patients/', import.meta.url));

function main(): void {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const templates = loadTemplates(
    config.cardsDir ?? DEFAULT_CARDS_DIR,
    RULES.map((r) => r.id),
  );
  const demoStore = config.demoFhir ? loadStore(FIXTURE_PATIENTS, daysSinceAnchor(new Date())) : undefined;
  const auth = authFromConfig(config, logger);
  const app = createApp({
    config,
    logger,
    templates,
    ...(demoStore ? { demoStore } : {}),
    ...(auth ? { auth } : {}),
  });
  const server = app.listen(config.port, config.host, () => {
    logger.info(
      { url: config.publicUrl, production: config.production },
      `CDS Hooks service listening: ${config.publicUrl}/cds-services`,
    );
    if (demoStore) {
      logger.info(
        `demo FHIR server with the fixture patients: ${config.publicUrl}/demo/fhir (not for production use)`,
      );
    }
  });
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void auth?.close();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
