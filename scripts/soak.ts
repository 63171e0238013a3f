/**
 * `npm run soak`: mixed hook traffic at a fixed rate against the service in
 * production mode (JWT on, card log in SQLite), for SOAK_MINUTES (default
 * 10) at SOAK_RATE calls per second (default 20), all on 127.0.0.1.
 *
 * The mix: patient-view with full prefetch (45 %), order-select with two
 * drafts (20 %), order-sign with the same drafts (10 %), patient-view through
 * the FHIR fallback against a local https FHIR server that adds 50 ms per
 * request (15 %), and deliberately invalid bodies that must be refused with
 * 400 (10 %). Open loop: calls are sent on schedule whether or not earlier
 * ones have answered (at most 500 in flight; beyond that a call is counted as
 * dropped).
 *
 * Every 30 s it prints the window: calls, p50/p99, unexpected answers and
 * the service's RSS. At the end: RSS after start-up, at 1 minute (warm), the
 * lowest and highest after that, and at the end; growth is the larger of end
 * vs 1 minute and end vs the lowest after 1 minute (must stay under 15 %),
 * errors, and the p99 of every window; also written to bench/soak.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import {
  ROOT,
  benchClient,
  makeCertificate,
  quantile,
  round,
  rssMbOf,
  scenarios,
  scratchDir,
  startChild,
} from './perf/harness.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 20);
const WINDOW_S = Number(process.env.SOAK_WINDOW_S ?? 30);
const MAX_IN_FLIGHT = 500;
const GROWTH_LIMIT = 0.15;

interface Kind {
  readonly name: string;
  readonly share: number;
  readonly serviceId: string;
  readonly body: string;
  readonly expect: number;
}

interface Window {
  readonly endSecond: number;
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly unexpected: number;
  readonly dropped: number;
  readonly rssMb: number | undefined;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const dir = scratchDir('rls-soak-');
  const tls = makeCertificate(dir);
  const fhir = await startChild({
    name: 'fhir',
    script: 'scripts/perf/slow-fhir-server.ts',
    https: true,
    readyPath: '/__stats',
    ca: tls.cert,
    env: { TLS_CERT: tls.cert, TLS_KEY: tls.key, FHIR_LATENCY_MS: '50', FHIR_PAGE_SIZE: '100' },
  });
  const fhirBase = `${fhir.url}/fhir`;
  const client = await benchClient(dir, fhirBase);
  const service = await startChild({
    name: 'service',
    script: 'src/server.ts',
    env: {
      NODE_ENV: 'production',
      CDS_CLIENTS_FILE: client.clientsFile,
      CDS_DATA_DIR: join(dir, 'data'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      NODE_EXTRA_CA_CERTS: tls.cert,
    },
  });
  const pid = service.child.pid;
  const rssAfterStart = rssMbOf(pid);
  try {
    const [pv, os, fb] = scenarios(fhirBase);
    if (!pv || !os || !fb) throw new Error('scenarios missing');
    const orderSign = JSON.parse(os.body) as { hook: string; context: Record<string, unknown> };
    orderSign.hook = 'order-sign';
    delete orderSign.context.selections;
    const invalid = JSON.parse(pv.body) as { context: Record<string, unknown> };
    invalid.context.patientId = '../../etc/passwd';
    const kinds: Kind[] = [
      { name: 'patient-view', share: 0.45, serviceId: pv.serviceId, body: pv.body, expect: 200 },
      { name: 'order-select', share: 0.2, serviceId: os.serviceId, body: os.body, expect: 200 },
      {
        name: 'order-sign',
        share: 0.1,
        serviceId: 'rls-order-sign',
        body: JSON.stringify(orderSign),
        expect: 200,
      },
      { name: 'fallback', share: 0.15, serviceId: fb.serviceId, body: fb.body, expect: 200 },
      { name: 'invalid', share: 0.1, serviceId: pv.serviceId, body: JSON.stringify(invalid), expect: 400 },
    ];
    const agent = new Agent({ connections: 64, keepAliveTimeout: 4000 });
    const totalCalls = Math.round(MINUTES * 60 * RATE);
    log(
      `soak: ${MINUTES} min at ${RATE} calls/s (${totalCalls} calls), production mode with JWT; ${cpus().length} CPUs, Node ${process.version}, load average ${round(loadavg()[0] ?? 0)}`,
    );

    const windows: Window[] = [];
    const byKind = new Map<string, { calls: number; unexpected: number }>(
      kinds.map((k) => [k.name, { calls: 0, unexpected: 0 }]),
    );
    const unexpectedStatuses = new Map<string, number>();
    let latencies: number[] = [];
    let unexpected = 0;
    let dropped = 0;
    let windowCalls = 0;
    let inFlight = 0;
    let sent = 0;

    const call = async (kind: Kind): Promise<void> => {
      const path = `/cds-services/${kind.serviceId}`;
      const token = await client.mint(`${service.url}${path}`);
      const started = performance.now();
      let status: number | string;
      try {
        const res = await fetch(`${service.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: kind.body,
          dispatcher: agent,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch (error) {
        status = (error as Error).name;
      }
      latencies.push(performance.now() - started);
      windowCalls += 1;
      const stats = byKind.get(kind.name);
      if (stats) stats.calls += 1;
      if (status !== kind.expect) {
        unexpected += 1;
        if (stats) stats.unexpected += 1;
        const key = `${kind.name}: ${status}`;
        unexpectedStatuses.set(key, (unexpectedStatuses.get(key) ?? 0) + 1);
      }
    };

    const pick = (i: number): Kind => {
      // A fixed, interleaved sequence with the shares above (deterministic, no bursts of one kind).
      const x = (i * 0.6180339887) % 1;
      let acc = 0;
      for (const k of kinds) {
        acc += k.share;
        if (x < acc) return k;
      }
      return kinds[0]!;
    };

    const start = performance.now();
    let nextWindow = WINDOW_S;
    let windowUnexpected = 0;
    let windowDropped = 0;
    while (sent < totalCalls) {
      const due = start + (sent * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (inFlight >= MAX_IN_FLIGHT) {
        dropped += 1;
      } else {
        inFlight += 1;
        void call(pick(sent)).finally(() => {
          inFlight -= 1;
        });
      }
      sent += 1;
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= nextWindow || sent === totalCalls) {
        if (sent === totalCalls) while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
        const sorted = latencies.sort((a, b) => a - b);
        const w: Window = {
          endSecond: Math.round(elapsed),
          calls: windowCalls,
          p50Ms: round(quantile(sorted, 0.5)),
          p99Ms: round(quantile(sorted, 0.99)),
          unexpected: unexpected - windowUnexpected,
          dropped: dropped - windowDropped,
          rssMb: rssMbOf(pid) !== undefined ? round(rssMbOf(pid) ?? 0, 1) : undefined,
        };
        windows.push(w);
        log(
          `${String(w.endSecond).padStart(4)} s: ${w.calls} calls, p50 ${w.p50Ms} ms, p99 ${w.p99Ms} ms, unexpected ${w.unexpected}, dropped ${w.dropped}, RSS ${w.rssMb ?? '?'} MB`,
        );
        latencies = [];
        windowCalls = 0;
        windowUnexpected = unexpected;
        windowDropped = dropped;
        nextWindow += WINDOW_S;
      }
    }

    // "Warm": the end of the first minute (JIT, caches and pools settled), or the first window when shorter.
    const warm = (windows.find((w) => w.endSecond >= 60) ?? windows[0])?.rssMb;
    const end = windows.at(-1)?.rssMb;
    // The stricter of two: end against the end of minute one, and end against the lowest RSS seen after
    // minute one (a stall in minute one can inflate the first figure and hide growth).
    const settled = windows.filter((w) => w.endSecond >= 60 && w.rssMb !== undefined).map((w) => w.rssMb!);
    const lowest = settled.length > 0 ? Math.min(...settled) : undefined;
    const highest = settled.length > 0 ? Math.max(...settled) : undefined;
    const growthFromWarm = warm !== undefined && end !== undefined ? (end - warm) / warm : undefined;
    const growthFromLowest = lowest !== undefined && end !== undefined ? (end - lowest) / lowest : undefined;
    const growth =
      growthFromWarm !== undefined && growthFromLowest !== undefined
        ? Math.max(growthFromWarm, growthFromLowest)
        : growthFromWarm;
    const alive = service.child.exitCode === null;
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadAverage1mAtEnd: round(loadavg()[0] ?? 0) },
      settings: {
        minutes: MINUTES,
        ratePerSecond: RATE,
        windowSeconds: WINDOW_S,
        mix: kinds.map((k) => ({ name: k.name, share: k.share, expect: k.expect })),
      },
      calls: sent,
      unexpected,
      unexpectedStatuses: Object.fromEntries(unexpectedStatuses),
      dropped,
      byKind: Object.fromEntries(byKind),
      rssMb: {
        afterStart: rssAfterStart !== undefined ? round(rssAfterStart, 1) : undefined,
        warm,
        lowestAfterWarm: lowest,
        highestAfterWarm: highest,
        end,
      },
      growth: growth !== undefined ? round(growth, 3) : undefined,
      growthFromWarm: growthFromWarm !== undefined ? round(growthFromWarm, 3) : undefined,
      growthFromLowest: growthFromLowest !== undefined ? round(growthFromLowest, 3) : undefined,
      growthFromStart:
        rssAfterStart !== undefined && end !== undefined
          ? round((end - rssAfterStart) / rssAfterStart, 3)
          : undefined,
      p99MsByWindow: windows.map((w) => w.p99Ms),
      windows,
      serviceStayedUp: alive,
      memoryWithinLimit: growth !== undefined && growth < GROWTH_LIMIT,
    };
    log('');
    log(
      `RSS: ${result.rssMb.afterStart ?? '?'} MB after start-up, ${warm ?? '?'} MB at 1 min, ${lowest ?? '?'}–${highest ?? '?'} MB after that, ${end ?? '?'} MB at the end: growth ${growth !== undefined ? `${(growth * 100).toFixed(1)} %` : '?'} (the larger of end vs 1 min and end vs lowest; limit ${GROWTH_LIMIT * 100} %) → ${result.memoryWithinLimit ? 'OK' : 'OVER'}`,
    );
    log(
      `calls: ${sent}; unexpected answers: ${unexpected}${unexpected ? ` (${JSON.stringify(result.unexpectedStatuses)})` : ''}; dropped: ${dropped}; service stayed up: ${alive ? 'yes' : 'NO'}`,
    );
    log(`p99 by window (ms): ${result.p99MsByWindow.join(', ')}`);
    mkdirSync(join(ROOT, 'bench'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    log('wrote bench/soak.json');
    await agent.close();
    if (!result.memoryWithinLimit || unexpected > 0 || !alive) process.exitCode = 1;
  } finally {
    await service.stop();
    await fhir.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
