/**
 * Start-up: configuration, card templates, the demo FHIR store, listen, and
 * graceful shutdown.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { authFromConfig } from './auth/index.js';
import { DEFAULT_CARDS_DIR, loadTemplates } from './cards/templates.js';
import { checkProductionSecrets, loadConfig } from './config.js';
import { loadDemo } from './demo/index.js';
import { createLogger } from './logger.js';
import { prettyDestination } from './ops/log-format.js';
import { errorSummary, createOperations } from './ops/operations.js';
import { redisReadiness } from './ops/redis-check.js';
import { gracefulShutdown } from './ops/shutdown.js';
import { RULES } from './rules/index.js';
import { describeStore, openStore } from './store/open.js';
import { startRetention } from './store/retention.js';

async function main(): Promise<void> {
  const config = loadConfig();
  checkProductionSecrets(config);
  const logger = createLogger(
    config.logLevel,
    config.logFormat === 'pretty' ? await prettyDestination() : undefined,
  );
  const templates = loadTemplates(
    config.cardsDir ?? DEFAULT_CARDS_DIR,
    RULES.map((r) => r.id),
  );
  // The demo issuer's key is generated here and lives in memory only (loadConfig refuses it in production).
  const { store: demoStore, issuer: demoIssuer } = await loadDemo(config);
  const auth = authFromConfig(config, logger, undefined, demoIssuer ? [demoIssuer.client] : []);
  if (demoIssuer)
    logger.warn(
      { iss: demoIssuer.iss, kid: demoIssuer.kid, authentication: auth ? 'on' : 'off' },
      'DEMO ISSUER ON (CDS_DEMO_ISSUER): anyone who can reach /demo/api/jwt gets tokens this service accepts for its demo FHIR server. For demos only.',
    );
  const redis = config.redisUrl ? redisReadiness(config.redisUrl) : undefined;
  const ops = createOperations({
    logger,
    queueMax: config.storeQueueMax,
    readiness: redis ? [redis.check] : [],
    store: await openStore(config, (error) => {
      logger.error({ err: errorSummary(error) }, 'store: idle database connection failed');
    }),
  });
  logger.info({ store: describeStore(config) }, 'card log and feedback store ready');
  const retention = startRetention({
    store: ops.store,
    days: config.retentionDays,
    now: () => new Date(),
    onPurged: (deleted, cutoff) =>
      logger.info(
        { retentionDays: config.retentionDays, cutoff: cutoff.toISOString(), deleted },
        'retention: old card-log and feedback rows deleted',
      ),
    onError: (error) => {
      ops.metrics.storeFailures.inc({ operation: 'retention', reason: 'error' });
      logger.error({ err: errorSummary(error) }, 'retention: delete failed; retried in a day');
    },
  });
  await retention.firstRun;
  logger.info(
    {
      suppression: config.suppression,
      patientKey: config.patientKeySecret ? 'configured' : 'random per process',
    },
    config.suppression.enabled ? 'suppression of answered cards on' : 'suppression of answered cards OFF',
  );
  if (!config.patientKeySecret)
    logger.warn(
      'CDS_PATIENT_KEY_SECRET is not set: patient ids are hashed with a random key of this process, so no override is remembered across restarts or shared with other replicas (refused in production)',
    );
  const app = createApp({
    config,
    logger,
    templates,
    ...(demoStore ? { demoStore } : {}),
    ...(auth ? { auth } : {}),
    ...(demoIssuer ? { demoIssuer } : {}),
    ops,
  });
  const server = app.listen(config.port, config.host, () => {
    logger.info(
      { url: config.publicUrl, port: (server.address() as AddressInfo).port, production: config.production },
      `CDS Hooks service listening: ${config.publicUrl}/cds-services`,
    );
    if (demoStore) {
      logger.info(
        `demo FHIR server with the fixture patients: ${config.publicUrl}/demo/fhir (not for production use)`,
      );
      logger.info(`EHR simulator, open in a browser: ${config.publicUrl}/demo/`);
    }
  });
  const shutdown = gracefulShutdown({
    server,
    logger,
    ops,
    graceMs: config.shutdownGraceMs,
    closers: [
      () => {
        retention.stop();
        return undefined;
      },
      () => auth?.close(),
      () => redis?.close(),
    ],
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
