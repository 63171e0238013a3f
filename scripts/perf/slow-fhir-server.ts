/**
 * A local FHIR server for the benchmark and the soak: the demo FHIR server
 * over the benchmark patient, over https (the service in production mode
 * accepts only https FHIR servers), adding a fixed latency to every request.
 * It records how long each request took, arrival to last byte, so that the
 * benchmark can compare a fallback call with the slowest request it made.
 *
 * Environment: PORT, TLS_CERT and TLS_KEY (PEM files), FHIR_LATENCY_MS
 * (default 50), FHIR_PAGE_SIZE (default 100).
 *
 * `GET /__stats` answers `{durationsMs: [...], connections}` (TLS connections accepted so far) and
 * forgets the durations.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import express from 'express';
import { storeOf } from '../../src/demo/fhir-store.js';
import { demoFhirRouter } from '../../src/demo/fhir-server.js';
import { benchPatient } from './patient.js';

const port = Number(process.env.PORT);
const latencyMs = Number(process.env.FHIR_LATENCY_MS ?? 50);
const pageSize = Number(process.env.FHIR_PAGE_SIZE ?? 100);
const cert = process.env.TLS_CERT;
const key = process.env.TLS_KEY;
if (!Number.isInteger(port) || port <= 0 || !cert || !key)
  throw new Error('PORT, TLS_CERT and TLS_KEY are required');

let durations: number[] = [];
let connections = 0;
const app = express();
app.disable('x-powered-by');
app.get('/__stats', (_req, res) => {
  res.json({ durationsMs: durations, connections });
  durations = [];
});
app.use('/fhir', (_req, res, next) => {
  const started = performance.now();
  res.on('finish', () => {
    if (durations.length < 100_000) durations.push(performance.now() - started);
  });
  setTimeout(next, latencyMs);
});
app.use('/fhir', demoFhirRouter(storeOf(benchPatient(new Date())), { pageSize }));
const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, app);
server.on('secureConnection', () => {
  connections += 1;
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
