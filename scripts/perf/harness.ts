/**
 * Shared machinery of `npm run bench` and `npm run soak`: child processes
 * (the service, the floor, the slow FHIR server) on loopback, a throwaway TLS
 * certificate and clients file, ES384 CDS Hooks JWTs, the hook requests for
 * the benchmark patient, and latency statistics.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle } from 'fhir/r4.js';
import { type CryptoKey, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { storeOf } from '../../src/demo/fhir-store.js';
import { draftOrder, orderRequest, patientViewRequest } from '../fixtures/requests.js';
import { BENCH_PATIENT_ID, benchPatient } from './patient.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A child process serving HTTP(S) on a loopback port. */
export interface Child {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** GETs a path of this child and parses the JSON answer. */
  readonly getJson: GetJson;
  /** Stderr so far (start-up failures). */
  readonly stderr: () => string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it has exited. */
  readonly stop: () => Promise<void>;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  readonly name: string;
  /** Script to run with tsx, relative to the repository root. */
  readonly script: string;
  readonly env: Record<string, string>;
  readonly https?: boolean;
  /** Extra Node options, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Path answered 200 once it is up (default /healthz). */
  readonly readyPath?: string;
  /** Where stdout goes (default: discarded). */
  readonly stdoutFile?: string;
  /** PEM file of the certificate to trust when it serves https. */
  readonly ca?: string;
}

/** GETs JSON from a child, trusting its certificate. */
export type GetJson = (path: string) => Promise<unknown>;

async function waitReady(
  url: string,
  get: (url: string) => Promise<{ ok: boolean; status: number }>,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await get(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${url} did not come up (${last}):\n${stderr()}`);
}

let signalsHandled = false;

/** Starts `node --import tsx <script>` on a free loopback port and waits until it answers. */
export async function startChild(options: ChildOptions): Promise<Child> {
  const port = await freePort();
  const stdout = options.stdoutFile ? 'pipe' : 'ignore';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...options.env, PORT: String(port) },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (options.stdoutFile) {
    const { createWriteStream } = await import('node:fs');
    child.stdout?.pipe(createWriteStream(options.stdoutFile));
  }
  // If this process dies without stopping it (a crash, Ctrl-C), the child goes with it.
  if (!signalsHandled) {
    signalsHandled = true;
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
  }
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (err.length < 100_000) err += chunk.toString('utf8');
  });
  const stderr = (): string => err;
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const dispatcher = options.ca ? new Agent({ connect: { ca: readFileSync(options.ca) } }) : undefined;
  const get = (u: string) => undiciFetch(u, dispatcher ? { dispatcher } : {});
  await waitReady(`${url}${options.readyPath ?? '/healthz'}`, get, child, stderr);
  return {
    name: options.name,
    child,
    port,
    url,
    getJson: async (path) => (await get(`${url}${path}`)).json(),
    stderr,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MB, from /proc (Linux); undefined elsewhere. */
export function rssMbOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl), with its files. */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'fhir-cert.pem');
  const key = join(dir, 'fhir-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** A scratch directory for one run. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The issuer of the benchmark's CDS client. */
export const BENCH_ISS = 'https://ehr.bench.example';

/** A CDS client (an EHR) with an ES384 key, registered in a clients file. */
export interface BenchClient {
  readonly clientsFile: string;
  /** Mints one fresh token (new jti) for a call to `audience`. */
  readonly mint: (audience: string) => Promise<string>;
}

/** Creates an ES384 key pair and writes a clients file that registers it, allowed to use `fhirServer`. */
export async function benchClient(dir: string, fhirServer: string): Promise<BenchClient> {
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-key-1' };
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(
    clientsFile,
    JSON.stringify({
      clients: [{ iss: BENCH_ISS, name: 'bench EHR', jwks: { keys: [jwk] }, fhirServers: [fhirServer] }],
    }),
  );
  let n = 0;
  const key: CryptoKey = privateKey;
  return {
    clientsFile,
    mint: (audience) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'bench-key-1' })
        .setIssuer(BENCH_ISS)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('30m')
        .setJti(`bench-${process.pid}-${Date.now()}-${(n += 1)}`)
        .sign(key),
  };
}

/** One benchmark scenario: a service, and the body sent to it. */
export interface Scenario {
  readonly id: 'patient-view-prefetch' | 'order-select-prefetch' | 'patient-view-fallback';
  readonly title: string;
  readonly serviceId: string;
  readonly body: string;
}

/** The three scenarios for the benchmark patient; `fhirServer` is used by the fallback one. */
export function scenarios(fhirServer: string, now = new Date()): Scenario[] {
  const store = storeOf(benchPatient(now));
  const drafts = [
    draftOrder({
      id: 'bench-draft-pramipexole',
      patientId: BENCH_PATIENT_ID,
      rxcui: '859044',
      display: 'pramipexole 0.5 mg tablet',
      doseMg: 0.5,
      timingCode: 'QHS',
      reasonText: 'Restless legs syndrome',
    }),
    draftOrder({
      id: 'bench-draft-clonazepam',
      patientId: BENCH_PATIENT_ID,
      rxcui: '197527',
      display: 'clonazepam 0.5 mg tablet',
      doseMg: 0.5,
      timingCode: 'QHS',
      reasonText: 'Restless legs syndrome',
    }),
  ];
  const fallback = {
    hookInstance: '0c7e2f1a-5b7d-4c1e-9a3f-6d2b8e4f1a90',
    hook: 'patient-view',
    fhirServer,
    fhirAuthorization: {
      access_token: 'bench-access-token',
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'patient/*.read',
      subject: 'rls-cds',
    },
    context: { userId: 'Practitioner/bench', patientId: BENCH_PATIENT_ID },
  };
  return [
    {
      id: 'patient-view-prefetch',
      title: 'patient-view, full prefetch',
      serviceId: 'rls-patient-view',
      body: JSON.stringify(patientViewRequest(store, BENCH_PATIENT_ID)),
    },
    {
      id: 'order-select-prefetch',
      title: 'order-select, 2 drafts, full prefetch',
      serviceId: 'rls-order-select',
      body: JSON.stringify(orderRequest(store, 'order-select', BENCH_PATIENT_ID, drafts)),
    },
    {
      id: 'patient-view-fallback',
      title: 'patient-view, FHIR fallback (+50 ms/request)',
      serviceId: 'rls-patient-view',
      body: JSON.stringify(fallback),
    },
  ];
}

/** Number of resources in a prefetch-carrying request body (for the report). */
export function prefetchResourceCount(body: string): number {
  const parsed = JSON.parse(body) as { prefetch?: Record<string, unknown> };
  let n = 0;
  for (const value of Object.values(parsed.prefetch ?? {})) {
    if (value && typeof value === 'object' && (value as Bundle).resourceType === 'Bundle')
      n += (value as Bundle).entry?.length ?? 0;
    else if (value) n += 1;
  }
  return n;
}

/** The q-quantile (0..1) of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** Rounds for display. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
