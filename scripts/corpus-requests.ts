/**
 * Sends every third-party hook request of the shared corpus (CDS Hooks spec,
 * hook library, Da Vinci CRD and PDDI-CDS examples under ../shared/corpus/cds-hooks,
 * and the CDC opioid CDS request fixtures under ../shared/corpus/cds-fixtures)
 * to the service, in process and offline, and counts the answers by status and
 * reason.
 *
 *   npx tsx scripts/corpus-requests.ts [--json] [--list] [--with-fhir]
 *
 * Each file is sent byte for byte as an EHR would send it (files that are not
 * valid JSON included). A request goes to the service registered for its hook;
 * a hook no service handles goes to the service of the hook that replaced it
 * (medication-prescribe → order-select, order-review → order-sign) or else to
 * rls-order-sign, where it is refused for its hook. Outbound network is blocked:
 * a request that names a public fhirServer and lacks prefetch gets 412 here,
 * which says the service evaluated it and asked for data it could not get.
 * With --with-fhir, each request's `fhirServer` (when it names one) is pointed
 * at an empty FHIR server on loopback instead, so those requests are answered
 * from what they carry: the count of 200s then says how many the service
 * accepts and evaluates.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { pino } from 'pino';
import request from 'supertest';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { demoFhirRouter } from '../src/demo/fhir-server.js';
import { storeOf } from '../src/demo/fhir-store.js';
import { DEFAULT_CARDS_DIR, loadTemplates } from '../src/cards/templates.js';
import { SERVICES } from '../src/cds-hooks/services.js';
import { loadConfig } from '../src/config.js';
import { FIXTURE_ANCHOR } from '../src/demo/rebase.js';
import { RULES } from '../src/rules/index.js';

const CORPUS = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));

interface ManifestFile {
  readonly file: string;
  readonly kind: string;
  readonly example_type?: string;
  readonly hook?: string | null;
}

/** The corpus files that are whole hook requests, by the corpus manifest. */
function requestFiles(): { file: string; group: string }[] {
  const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as {
    files: ManifestFile[];
  };
  const listed = manifest.files
    .filter(
      (f) =>
        (f.file.startsWith('cds-hooks/') && f.example_type === 'request') ||
        (f.file.startsWith('cds-fixtures/opioid-cds-r4/') && f.kind === 'cds-request'),
    )
    .map((f) => f.file);
  // Files on disk under the request folders that the manifest does not list (none expected) count too.
  const onDisk = walk(join(CORPUS, 'cds-fixtures/opioid-cds-r4'))
    .map((p) => relative(CORPUS, p))
    .filter((p) => /\/requests-(original|repaired)\//.test(p));
  const all = [...new Set([...listed, ...onDisk])].sort();
  return all.map((file) => ({ file, group: groupOf(file) }));
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function groupOf(file: string): string {
  if (file.startsWith('cds-fixtures/opioid-cds-r4/requests-original/')) return 'opioid-cds-r4 (original)';
  if (file.startsWith('cds-fixtures/opioid-cds-r4/requests-repaired/')) return 'opioid-cds-r4 (repaired)';
  return `cds-hooks/${file.split('/')[1] ?? ''}`;
}

const SUCCESSOR: Readonly<Record<string, string>> = {
  'medication-prescribe': 'order-select',
  'order-review': 'order-sign',
};

function hookOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text.replace(/^\uFEFF/, '')) as { hook?: unknown };
    return typeof body.hook === 'string' ? body.hook : undefined;
  } catch {
    return /"hook"\s*:\s*"([^"]+)"/.exec(text)?.[1];
  }
}

/** The request with its `fhirServer` replaced (when it is JSON and names one); otherwise unchanged. */
function withFhirServer(text: string, base: string | undefined): string {
  if (!base) return text;
  try {
    const body = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
    return typeof body.fhirServer === 'string' && /^https?:\/\/[^{}]+$/.test(body.fhirServer)
      ? JSON.stringify({ ...body, fhirServer: base })
      : text;
  } catch {
    return text;
  }
}

function serviceFor(hook: string | undefined): string {
  const direct = SERVICES.find((s) => s.hook === hook);
  if (direct) return direct.id;
  const successor = SERVICES.find((s) => hook !== undefined && s.hook === SUCCESSOR[hook]);
  return successor?.id ?? 'rls-order-sign';
}

/** A short reason for an answer: the field named by a 400, the prefetch keys of a 412. */
function reasonOf(status: number, body: unknown): string {
  const issues = (body as { issue?: { diagnostics?: string; expression?: string[] }[] })?.issue ?? [];
  if (status === 200) return 'evaluated';
  if (status === 412) {
    const keys = issues.flatMap((i) => i.expression ?? []).map((e) => e.replace(/^prefetch\./, ''));
    return `required data not in prefetch, FHIR server not reachable offline (${[...new Set(keys)].join(', ')})`;
  }
  const d = issues[0]?.diagnostics ?? '';
  return d
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\(.*\)/, '')
    .trim();
}

interface Row {
  readonly file: string;
  readonly group: string;
  readonly hook: string;
  readonly service: string;
  readonly status: number;
  readonly reason: string;
}

async function main(): Promise<void> {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
  const config = loadConfig({
    NODE_ENV: 'test',
    CDS_PUBLIC_URL: 'https://cds.test.example',
    FHIR_TIMEOUT_MS: '1000',
  });
  const app = createApp({
    config,
    logger: pino({ level: 'silent' }),
    templates: loadTemplates(
      DEFAULT_CARDS_DIR,
      RULES.map((r) => r.id),
    ),
    now: () => FIXTURE_ANCHOR,
  });
  let emptyFhir: string | undefined;
  let fhirServer: ReturnType<ReturnType<typeof express>['listen']> | undefined;
  if (process.argv.includes('--with-fhir')) {
    const fhirApp = express();
    fhirApp.use('/fhir', demoFhirRouter(storeOf([])));
    fhirServer = fhirApp.listen(0, '127.0.0.1');
    await new Promise((resolve) => fhirServer?.once('listening', resolve));
    emptyFhir = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir`;
  }
  const rows: Row[] = [];
  for (const { file, group } of requestFiles()) {
    const text = withFhirServer(readFileSync(join(CORPUS, file), 'utf8'), emptyFhir);
    const hook = hookOf(text) ?? '(none)';
    const service = serviceFor(hook);
    const res = await request(app)
      .post(`/cds-services/${service}`)
      .set('Content-Type', 'application/json')
      .send(text);
    rows.push({ file, group, hook, service, status: res.status, reason: reasonOf(res.status, res.body) });
  }
  fhirServer?.close();
  nock.enableNetConnect();
  nock.restore();

  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (process.argv.includes('--list')) {
    for (const r of rows)
      process.stdout.write(`${r.status}  ${r.file}  [${r.hook} → ${r.service}]  ${r.reason}\n`);
    process.stdout.write('\n');
  }
  const byStatus = new Map<number, number>();
  for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  process.stdout.write(
    `${rows.length} requests: ${[...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${n} × ${s}`)
      .join(', ')}\n\n`,
  );
  const groups = [...new Set(rows.map((r) => r.group))];
  process.stdout.write('| source | requests | 200 | 400 | 412 | other |\n|---|---|---|---|---|---|\n');
  for (const g of groups) {
    const rs = rows.filter((r) => r.group === g);
    const n = (s: number): number => rs.filter((r) => r.status === s).length;
    const other = rs.length - n(200) - n(400) - n(412);
    process.stdout.write(`| ${g} | ${rs.length} | ${n(200)} | ${n(400)} | ${n(412)} | ${other} |\n`);
  }
  const reasons = new Map<string, number>();
  for (const r of rows.filter((x) => x.status !== 200)) {
    const k = `${r.status} ${r.reason}`;
    reasons.set(k, (reasons.get(k) ?? 0) + 1);
  }
  process.stdout.write('\n| answer | why | requests |\n|---|---|---|\n');
  for (const [k, n] of [...reasons.entries()].sort((a, b) => b[1] - a[1])) {
    const [status, ...why] = k.split(' ');
    process.stdout.write(`| ${status} | ${why.join(' ')} | ${n} |\n`);
  }
}

await main();
