/**
 * SIGTERM during a slow FHIR fallback call: the process stops accepting
 * connections, lets the call finish (200 with its cards), flushes the card
 * log and exits 0. Past SHUTDOWN_GRACE_MS it cuts the call and exits 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Card } from '../../src/protocol/types.js';
import { SqliteDriver } from '../../src/store/sqlite.js';
import { fullPrefetch, lab, patientView, rlsCondition, searchset } from '../helpers/fhir.js';
import { startService } from './child-server.js';

/** A FHIR server on loopback that answers every search after `delayMs`, and tells when a request arrives. */
async function slowFhirServer(
  delayMs: number,
): Promise<{ url: string; firstRequest: Promise<void>; close: () => void }> {
  let arrived!: () => void;
  const firstRequest = new Promise<void>((r) => (arrived = r));
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    arrived();
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.setHeader('Content-Type', 'application/fhir+json');
      res.end(JSON.stringify(searchset([])));
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    firstRequest,
    close: () => {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A call that fires the iron card, with medicationStatements left to the FHIR server. */
function slowCall(fhirServer: string): Record<string, unknown> {
  const recent = new Date(Date.now() - 14 * 86_400_000).toISOString();
  const P = 'p-shutdown';
  const body = patientView(
    P,
    fullPrefetch(
      [rlsCondition(P)],
      [lab(P, 'f', '2276-4', 40, 'ng/mL', recent), lab(P, 't', '2502-3', 25, '%', recent)],
    ),
    { fhirServer },
  );
  delete (body.prefetch as Record<string, unknown>).medicationStatements;
  return body;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('SIGTERM during a slow FHIR fallback call lets the call finish, flushes the card log, then exits 0', async () => {
  const fhir = await slowFhirServer(1500);
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-shutdown-'));
  dirs.push(dataDir);
  const service = await startService({
    CDS_DATA_DIR: dataDir,
    FHIR_TIMEOUT_MS: '10000',
    SHUTDOWN_GRACE_MS: '8000',
  });
  try {
    const base = `http://127.0.0.1:${service.port}`;
    const call = fetch(`${base}/cds-services/rls-patient-view`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(slowCall(fhir.url)),
    });
    await fhir.firstRequest; // the call is now waiting on the slow FHIR server
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');

    await new Promise((r) => setTimeout(r, 300));
    await expect(fetch(`${base}/healthz`)).rejects.toThrow(); // no new connections

    const res = await call;
    expect(res.status).toBe(200);
    const cards = ((await res.json()) as { cards: Card[] }).cards;
    expect(cards.length).toBeGreaterThan(0);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000); // it really waited for the FHIR server

    expect(await service.exited).toBe(0);
    const messages = service.lines().map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down: finishing calls in flight', 'stopped']));

    const db = new SqliteDriver(join(dataDir, 'cds-ops.sqlite'));
    const logged = await db.all<{ card_uuid: string }>('SELECT card_uuid FROM card_log');
    await db.close();
    expect(logged.map((r) => r.card_uuid).sort()).toEqual(cards.map((c) => c.uuid).sort());
  } finally {
    service.child.kill('SIGKILL');
    fhir.close();
  }
}, 40_000);

test('a call still running when SHUTDOWN_GRACE_MS is over is cut, and the exit code is 1', async () => {
  const fhir = await slowFhirServer(5000);
  const dataDir = mkdtempSync(join(tmpdir(), 'cds-shutdown-'));
  dirs.push(dataDir);
  const service = await startService({
    CDS_DATA_DIR: dataDir,
    FHIR_TIMEOUT_MS: '10000',
    SHUTDOWN_GRACE_MS: '500',
  });
  try {
    const call = fetch(`http://127.0.0.1:${service.port}/cds-services/rls-patient-view`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(slowCall(fhir.url)),
    }).catch((error: unknown) => error);
    await fhir.firstRequest;
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(1);
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    expect(await call).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(service.lines().map((l) => l.msg)).toContain(
      'shutdown grace period over: closing open connections',
    );
  } finally {
    service.child.kill('SIGKILL');
    fhir.close();
  }
}, 40_000);
