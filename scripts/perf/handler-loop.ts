/**
 * The hot path without HTTP, for profiling: parses, validates and handles one
 * benchmark request in a loop and prints the time of each step per call.
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=bench/profiles scripts/perf/handler-loop.ts [scenario] [calls]
 *
 * scenario: patient-view-prefetch (default) or order-select-prefetch; calls: per round (default 2000).
 */
import { DEFAULT_CARDS_DIR, loadTemplates } from '../../src/cards/templates.js';
import { handleHook } from '../../src/cds-hooks/handler.js';
import { parseHookRequest } from '../../src/cds-hooks/request.js';
import { findService } from '../../src/cds-hooks/services.js';
import { RULES } from '../../src/rules/index.js';
import { scenarios } from './harness.js';

const now = new Date();
const id = process.argv[2] ?? 'patient-view-prefetch';
const calls = Number(process.argv[3] ?? 2000);
const scenario = scenarios('https://fhir.invalid/fhir', now).find((s) => s.id === id);
const service = scenario && findService(scenario.serviceId);
if (!scenario || !service) throw new Error(`unknown scenario ${id}`);
const deps = {
  templates: loadTemplates(
    DEFAULT_CARDS_DIR,
    RULES.map((r) => r.id),
  ),
  baseUrl: 'https://cds.invalid',
  fhirTimeoutMs: 1000,
  fhirMaxPages: 10,
  now: () => now,
};
for (let round = 1; round <= 3; round += 1) {
  const ms = { parse: 0, validate: 0, handle: 0, stringify: 0 };
  for (let i = 0; i < calls; i += 1) {
    let t = performance.now();
    const body: unknown = JSON.parse(scenario.body);
    ms.parse += performance.now() - t;
    t = performance.now();
    const request = parseHookRequest(body, service.hook);
    ms.validate += performance.now() - t;
    t = performance.now();
    const outcome = await handleHook(service, request, deps);
    ms.handle += performance.now() - t;
    t = performance.now();
    JSON.stringify(outcome);
    ms.stringify += performance.now() - t;
  }
  const per = Object.entries(ms).map(([k, v]) => `${k} ${(v / calls).toFixed(3)} ms`);
  process.stdout.write(`round ${round}: ${per.join(', ')}\n`);
}
