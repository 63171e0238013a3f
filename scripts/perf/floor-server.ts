/**
 * The transport floor of the benchmark: a bare express app that parses the
 * request body exactly as the service does (same parser, limit and media
 * types) and answers a fixed `{cards: []}`. Run as its own process, like the
 * service. Environment: PORT (required), HOST (default 127.0.0.1).
 */
import express from 'express';

const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to a port number');

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post(
  '/cds-services/:id',
  express.json({ limit: 10 * 1024 * 1024, type: JSON_TYPES, strict: true }),
  (_req, res) => {
    res.json({ cards: [] });
  },
);
const server = app.listen(port, process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
