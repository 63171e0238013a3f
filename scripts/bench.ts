/**
 * `npm run bench`: the service against its transport floor, on loopback.
 *
 * Starts, each as its own Node process: the service in production mode with
 * a registered CDS client (JWT on), the service with authentication off, a
 * bare express floor that parses the same body and answers `{cards: []}`, and
 * an https FHIR server that adds a fixed 50 ms to every request. Then, for
 * each scenario (patient-view with full prefetch, order-select with two
 * drafts, patient-view through the FHIR fallback), it loads the floor and
 * both services with autocannon and reports throughput, p50/p99 latency and
 * the ratio of each to the floor; and it times sequential fallback calls
 * against the slowest FHIR request each one made. Prints a Markdown table and
 * writes bench/results.json.
 *
 * Settings (environment): BENCH_DURATION_S (default 6 s per run), BENCH_ROUNDS
 * (default 4: the targets take turns, round after round, so that a change in
 * machine load hits them alike; the first round starts with a 2 s warm-up),
 * BENCH_CONNECTIONS (10), BENCH_FALLBACK_CALLS (30), BENCH_FHIR_PAGE_SIZE
 * (100), BENCH_SCENARIOS (comma-separated ids, default all), BENCH_CPU_PROF=1
 * (write --cpu-prof profiles of both services to bench/profiles/). All
 * traffic stays on 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  type Child,
  type Scenario,
  ROOT,
  benchClient,
  cpuMsOf,
  makeCertificate,
  prefetchResourceCount,
  quantile,
  round,
  scenarios,
  scratchDir,
  startChild,
} from './perf/harness.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const WARMUP_S = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const FALLBACK_CALLS = Number(process.env.BENCH_FALLBACK_CALLS ?? 30);
const FHIR_LATENCY_MS = 50;
const FHIR_PAGE_SIZE = Number(process.env.BENCH_FHIR_PAGE_SIZE ?? 100);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ONLY = process.env.BENCH_SCENARIOS?.split(',').filter(Boolean);

type TargetId = 'floor' | 'auth-off' | 'jwt';

interface Target {
  readonly id: TargetId;
  readonly label: string;
  readonly child: Child;
  /** Mints a fresh bearer token for a path, when the target checks JWTs. */
  readonly token?: (path: string) => Promise<string>;
}

interface RunResult {
  readonly scenario: Scenario['id'];
  readonly target: TargetId;
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU time of the target process per answered request. */
  readonly targetCpuMsPerRequest?: number;
  /** CPU of the load generator (this process) over the runs, in % of one core. */
  readonly loadGeneratorCpuPercent: number;
}

/** The raw outcome of one autocannon run. */
interface Sample {
  readonly answered: number;
  readonly seconds: number;
  /** Latencies of the 2xx answers (ms). */
  readonly latencies: number[];
  readonly non2xx: number;
  readonly errors: number;
  readonly targetCpuMs?: number;
  readonly ownCpuMs: number;
  readonly wallMs: number;
  /** Tokens the run needed beyond those it was given (each one a replay, refused). */
  readonly tokensShort: number;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** One autocannon run; latencies of 2xx answers are recorded exactly (not the ms-rounded histogram). */
async function load(
  target: Target,
  scenario: Scenario,
  seconds: number,
  tokens: readonly string[] | undefined,
): Promise<Sample> {
  const path = `/cds-services/${scenario.serviceId}`;
  const headers = { 'content-type': 'application/json' };
  let next = 0;
  const latencies: number[] = [];
  const cpuBefore = cpuMsOf(target.child.child.pid);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const options: autocannon.Options = {
    url: `${target.child.url}${path}`,
    method: 'POST',
    headers,
    body: scenario.body,
    connections: CONNECTIONS,
    duration: seconds,
    ...(tokens
      ? {
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                method: 'POST',
                path,
                body: scenario.body,
                headers: { ...headers, authorization: `Bearer ${tokens[next++ % tokens.length] ?? ''}` },
              }),
            },
          ],
        }
      : {}),
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: Error | null, r: autocannon.Result) =>
      error ? reject(error) : resolve(r),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  const wallMs = performance.now() - started;
  const own = process.cpuUsage(ownBefore);
  const cpuAfter = cpuMsOf(target.child.child.pid);
  return {
    answered: result['2xx'],
    seconds: result.duration,
    latencies,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { targetCpuMs: cpuAfter - cpuBefore } : {}),
    ownCpuMs: (own.user + own.system) / 1000,
    wallMs,
    tokensShort: tokens ? Math.max(0, next - tokens.length) : 0,
  };
}

/** Pools the samples of several rounds into one result. */
function pooled(scenario: Scenario['id'], target: TargetId, samples: readonly Sample[]): RunResult {
  const sum = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const answered = sum((s) => s.answered);
  const cpuKnown = samples.every((s) => s.targetCpuMs !== undefined);
  return {
    scenario,
    target,
    requests: answered,
    rps: answered / sum((s) => s.seconds),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    ...(cpuKnown && answered > 0 ? { targetCpuMsPerRequest: sum((s) => s.targetCpuMs ?? 0) / answered } : {}),
    loadGeneratorCpuPercent: (sum((s) => s.ownCpuMs) / sum((s) => s.wallMs)) * 100,
  };
}

async function mintTokens(target: Target, scenario: Scenario, count: number): Promise<string[]> {
  const path = `/cds-services/${scenario.serviceId}`;
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 1) tokens.push(await target.token!(path));
  return tokens;
}

/** Sequential fallback calls: wall time of each against the slowest FHIR request it made. */
async function fallbackRatio(target: Target, scenario: Scenario, fhir: Child) {
  const path = `/cds-services/${scenario.serviceId}`;
  const ratios: number[] = [];
  const walls: number[] = [];
  const slowest: number[] = [];
  let fhirRequests = 0;
  for (let i = 0; i < FALLBACK_CALLS + 3; i += 1) {
    await fhir.getJson('/__stats');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.token) headers.authorization = `Bearer ${await target.token(path)}`;
    const started = performance.now();
    const res = await fetch(`${target.child.url}${path}`, { method: 'POST', headers, body: scenario.body });
    await res.arrayBuffer();
    const wall = performance.now() - started;
    if (res.status !== 200) throw new Error(`fallback call answered ${res.status}`);
    const { durationsMs } = (await fhir.getJson('/__stats')) as { durationsMs: number[] };
    if (i < 3) continue; // warm-up: connections to the FHIR server opened
    const max = Math.max(...durationsMs);
    fhirRequests = durationsMs.length;
    walls.push(wall);
    slowest.push(max);
    ratios.push(wall / max);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    target: target.id,
    calls: FALLBACK_CALLS,
    fhirRequestsPerCall: fhirRequests,
    wallMsMedian: round(quantile(sorted(walls), 0.5)),
    slowestFhirRequestMsMedian: round(quantile(sorted(slowest), 0.5)),
    ratioMedian: round(quantile(sorted(ratios), 0.5), 3),
    ratioP90: round(quantile(sorted(ratios), 0.9), 3),
  };
}

function pad(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? 0;
  const dir = scratchDir('rls-bench-');
  const tls = makeCertificate(dir);
  const children: Child[] = [];
  const profileDir = join(ROOT, 'bench', 'profiles');
  if (CPU_PROF) mkdirSync(profileDir, { recursive: true });
  try {
    log('starting the FHIR server, the floor and the two services…');
    const fhir = await startChild({
      name: 'fhir',
      script: 'scripts/perf/slow-fhir-server.ts',
      https: true,
      readyPath: '/__stats',
      ca: tls.cert,
      env: {
        TLS_CERT: tls.cert,
        TLS_KEY: tls.key,
        FHIR_LATENCY_MS: String(FHIR_LATENCY_MS),
        FHIR_PAGE_SIZE: String(FHIR_PAGE_SIZE),
      },
    });
    children.push(fhir);
    const fhirBase = `${fhir.url}/fhir`;
    const client = await benchClient(dir, fhirBase);
    const serviceEnv = {
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      DEMO_FHIR: 'false',
      NODE_EXTRA_CA_CERTS: tls.cert,
    };
    const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const floor = await startChild({ name: 'floor', script: 'scripts/perf/floor-server.ts', env: {} });
    children.push(floor);
    const off = await startChild({
      name: 'auth-off',
      script: 'src/server.ts',
      nodeArgs,
      env: { ...serviceEnv, NODE_ENV: 'development', CDS_DATA_DIR: join(dir, 'data-off') },
    });
    children.push(off);
    const jwt = await startChild({
      name: 'jwt',
      script: 'src/server.ts',
      nodeArgs,
      env: {
        ...serviceEnv,
        NODE_ENV: 'production',
        CDS_CLIENTS_FILE: client.clientsFile,
        CDS_DATA_DIR: join(dir, 'data-jwt'),
      },
    });
    children.push(jwt);
    const targets: Target[] = [
      { id: 'floor', label: 'floor (bare express)', child: floor },
      { id: 'auth-off', label: 'service, auth off', child: off },
      {
        id: 'jwt',
        label: 'service, production, JWT',
        child: jwt,
        token: (path) => client.mint(`${jwt.url}${path}`),
      },
    ];

    const all = scenarios(fhirBase).filter((sc) => !ONLY || ONLY.includes(sc.id));
    const runs: RunResult[] = [];
    for (const scenario of all) {
      // Rounds alternate the targets, so that a change in machine load hits all of them alike.
      const samples = new Map<TargetId, Sample[]>(targets.map((t) => [t.id, []]));
      for (let roundNo = 0; roundNo < ROUNDS; roundNo += 1) {
        for (const target of targets) {
          const seconds = roundNo === 0 ? WARMUP_S + DURATION_S : DURATION_S;
          let tokens: string[] | undefined;
          if (target.token) {
            const previous = samples.get('auth-off')?.at(-1);
            const rps = previous ? previous.answered / previous.seconds : 500;
            tokens = await mintTokens(target, scenario, Math.ceil(rps * seconds * 2) + 4 * CONNECTIONS + 100);
          }
          log(`${scenario.title} → ${target.label}: round ${roundNo + 1}/${ROUNDS}`);
          if (roundNo === 0) {
            // Warm-up (JIT, connections), not counted.
            await load(target, scenario, WARMUP_S, tokens?.splice(0, Math.ceil(tokens.length / 3)));
          }
          const sample = await load(target, scenario, DURATION_S, tokens);
          if (sample.tokensShort > 0)
            log(`  warning: ${sample.tokensShort} tokens reused (refused as replays)`);
          samples.get(target.id)?.push(sample);
        }
      }
      for (const target of targets) runs.push(pooled(scenario.id, target.id, samples.get(target.id) ?? []));
    }

    log(`fallback: ${FALLBACK_CALLS} sequential calls per service…`);
    const fallbackScenario = scenarios(fhirBase).find((sc) => sc.id === 'patient-view-fallback')!;
    const fallback = [];
    for (const target of targets.filter((t) => t.id !== 'floor'))
      fallback.push(await fallbackRatio(target, fallbackScenario, fhir));

    // Ratios and targets.
    const floorOf = (s: Scenario['id']) => runs.find((r) => r.scenario === s && r.target === 'floor')!;
    const rows = runs.map((r) => {
      const f = floorOf(r.scenario);
      return {
        ...r,
        rps: round(r.rps, 1),
        p50Ms: round(r.p50Ms),
        p99Ms: round(r.p99Ms),
        ...(r.targetCpuMsPerRequest !== undefined
          ? { targetCpuMsPerRequest: round(r.targetCpuMsPerRequest, 3) }
          : {}),
        loadGeneratorCpuPercent: round(r.loadGeneratorCpuPercent, 0),
        vsFloor: {
          throughput: round(r.rps / f.rps, 3),
          p50: round(r.p50Ms / f.p50Ms, 3),
          p99: round(r.p99Ms / f.p99Ms, 3),
          // The throughput ratio if both were CPU-bound: steadier than req/s on a busy machine.
          ...(r.targetCpuMsPerRequest && f.targetCpuMsPerRequest
            ? { cpu: round(f.targetCpuMsPerRequest / r.targetCpuMsPerRequest, 3) }
            : {}),
        },
      };
    });
    const row = (s: Scenario['id'], t: TargetId) => rows.find((r) => r.scenario === s && r.target === t);
    const prefetchIds = (['patient-view-prefetch', 'order-select-prefetch'] as const).filter((id) =>
      rows.some((r) => r.scenario === id),
    );
    const jwtCost = prefetchIds.map((id) => {
      const on = row(id, 'jwt')!;
      const off = row(id, 'auth-off')!;
      return {
        scenario: id,
        throughputLoss: round(1 - on.rps / off.rps, 3),
        ...(on.targetCpuMsPerRequest !== undefined && off.targetCpuMsPerRequest !== undefined
          ? { cpuPerRequestIncrease: round(on.targetCpuMsPerRequest / off.targetCpuMsPerRequest - 1, 3) }
          : {}),
      };
    });
    // null: the scenario was not run (BENCH_SCENARIOS).
    const when = <T>(ran: boolean, value: () => T): T | null => (ran ? value() : null);
    const targetsMet = {
      prefetchThroughputAtLeast80PercentOfFloor: when(prefetchIds.length > 0, () =>
        prefetchIds.every((id) => row(id, 'auth-off')!.vsFloor.throughput >= 0.8),
      ),
      prefetchP99Under2xFloor: when(prefetchIds.length > 0, () =>
        prefetchIds.every((id) => row(id, 'auth-off')!.vsFloor.p99 < 2),
      ),
      jwtAddsUnder15Percent: when(jwtCost.length > 0, () => jwtCost.every((c) => c.throughputLoss < 0.15)),
      fallbackUnder1_3xSlowestRequest: fallback.every((f) => f.ratioMedian < 1.3),
    };

    const titles = Object.fromEntries(all.map((s) => [s.id, s.title]));
    const labels = Object.fromEntries(targets.map((t) => [t.id, t.label]));
    const lines = [
      pad([
        'scenario',
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        'req/s ÷ floor',
        'p50 ÷ floor',
        'p99 ÷ floor',
        'CPU ms/req',
        'floor CPU ÷ CPU',
      ]),
      pad(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...rows.map((r) =>
        pad([
          titles[r.scenario] ?? r.scenario,
          labels[r.target] ?? r.target,
          r.rps.toFixed(0),
          r.p50Ms.toFixed(2),
          r.p99Ms.toFixed(2),
          r.vsFloor.throughput.toFixed(2),
          r.vsFloor.p50.toFixed(2),
          r.vsFloor.p99.toFixed(2),
          r.targetCpuMsPerRequest?.toFixed(2) ?? '–',
          r.vsFloor.cpu?.toFixed(2) ?? '–',
        ]),
      ),
    ];
    const fallbackLines = fallback.map(
      (f) =>
        `- fallback (${labels[f.target]}): wall ${f.wallMsMedian} ms vs slowest FHIR request ${f.slowestFhirRequestMsMedian} ms → ratio ${f.ratioMedian} (median of ${f.calls} calls; p90 ${f.ratioP90}); ${f.fhirRequestsPerCall} FHIR requests per call`,
    );
    const jwtLines = jwtCost.map(
      (c) =>
        `- JWT verification (${titles[c.scenario]}): ${(c.throughputLoss * 100).toFixed(1)} % fewer req/s${c.cpuPerRequestIncrease !== undefined ? `, ${(c.cpuPerRequestIncrease * 100).toFixed(1)} % more CPU per request` : ''}`,
    );
    const nonOk = rows.filter((r) => r.non2xx > 0 || r.errors > 0);
    const machine = {
      loadAverage1mAtStart: round(loadAtStart, 2),
      loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 2),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    };
    const pvBody = scenarios(fhirBase)[0]!.body;
    const settings = {
      rounds: ROUNDS,
      durationSeconds: DURATION_S,
      warmupSeconds: WARMUP_S,
      connections: CONNECTIONS,
      fhirLatencyMs: FHIR_LATENCY_MS,
      fhirPageSize: FHIR_PAGE_SIZE,
      prefetchResources: prefetchResourceCount(pvBody),
      bodyBytes: Object.fromEntries(scenarios(fhirBase).map((sc) => [sc.id, Buffer.byteLength(sc.body)])),
    };
    const out = [
      `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}; load average ${machine.loadAverage1mAtStart} at start, ${machine.loadAverage1mAtEnd} at end`,
      `Settings: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s per target after a ${WARMUP_S} s warm-up; patient with ${settings.prefetchResources} prefetched resources (${((settings.bodyBytes['patient-view-prefetch'] ?? 0) / 1024).toFixed(0)} KiB body); FHIR server +${FHIR_LATENCY_MS} ms per request, ${FHIR_PAGE_SIZE} per page`,
      '',
      ...lines,
      '',
      ...jwtLines,
      ...fallbackLines,
      '',
      `Targets: ${Object.entries(targetsMet)
        .map(([k, v]) => `${k} ${v === null ? 'not run' : v ? 'MET' : 'MISSED'}`)
        .join('; ')}`,
      ...(nonOk.length
        ? [
            `Non-2xx or errors: ${nonOk.map((r) => `${r.scenario}/${r.target}: ${r.non2xx} non-2xx, ${r.errors} errors`).join('; ')}`,
          ]
        : []),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    mkdirSync(join(ROOT, 'bench'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench', 'results.json'),
      `${JSON.stringify({ date: new Date().toISOString(), machine, settings, runs: rows, jwtCost, fallback, targetsMet }, null, 2)}\n`,
    );
    log('wrote bench/results.json');
  } finally {
    for (const child of children.reverse()) await child.stop();
    if (CPU_PROF) log(`CPU profiles in ${profileDir}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
