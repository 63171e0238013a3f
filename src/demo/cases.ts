/**
 * The fixture case table (`fhir-fixtures/cases.yaml`): for each clinical
 * situation, the patient, the hooks, the draft orders, and exactly which cards
 * must come back. Hook requests are generated from it, so the table is the one
 * place where a fixture's expectation is written.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { PREFETCH_QUERIES, type PrefetchKey } from '../protocol/prefetch-catalog.js';

const hook = z.enum(['patient-view', 'order-select', 'order-sign']);

const PREFETCH_KEYS = Object.keys(PREFETCH_QUERIES) as [PrefetchKey, ...PrefetchKey[]];

const draftId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/);

/** A draft written compactly: an RxNorm product, a dose in mg and a timing code. */
const compactDraft = z
  .object({
    id: draftId,
    rxcui: z.string().regex(/^\d+$/),
    display: z.string().min(1),
    doseMg: z.number().positive(),
    timing: z.string().min(1),
    reasonText: z.string().min(1).optional(),
  })
  .strict();

/**
 * A draft written as the EHR writes it: the MedicationRequest's own elements
 * (medication, dosageInstruction, priorPrescription, ...). Id, status draft,
 * intent and subject are filled in.
 */
const resourceDraft = z.object({ id: draftId, resource: z.record(z.string(), z.unknown()) }).strict();

const draft = z.union([compactDraft, resourceDraft]);

/** One row of the case table. */
export const CaseSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    patient: z.string().min(1),
    hooks: z.array(hook).min(1),
    drafts: z.array(draft).optional(),
    selections: z.array(z.string()).optional(),
    cards: z.array(z.string()),
    /** Optional: the indicator of each expected card, in the same order. */
    indicators: z.array(z.enum(['info', 'warning', 'critical'])).optional(),
    boundaryFor: z.array(z.string()).optional(),
    /**
     * Prefetch keys the EHR sent only the first page of (the Bundle carries a `next` link and the
     * request no fhirServer): the key is read in part.
     */
    partial: z.array(z.enum(PREFETCH_KEYS)).optional(),
    /** The cards through the FHIR fallback, when they differ (the fallback reads every page). */
    fallbackCards: z.array(z.string()).optional(),
    note: z.string().optional(),
  })
  .strict();

/** A fixture case. */
export type FixtureCase = z.infer<typeof CaseSchema>;

/** Reads and validates the case table; throws naming the row and field on a bad entry. */
export function loadCases(file: string): FixtureCase[] {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  const parsed = z.array(CaseSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const names = new Set<string>();
  for (const c of parsed.data) {
    if (names.has(c.name)) throw new Error(`${file}: duplicate case name ${c.name}`);
    names.add(c.name);
    if (c.indicators && c.indicators.length !== c.cards.length) {
      throw new Error(
        `${file}: case ${c.name} has ${c.indicators.length} indicators for ${c.cards.length} cards`,
      );
    }
    const clash = (c.boundaryFor ?? []).filter((id) => c.cards.includes(id));
    if (clash.length)
      throw new Error(`${file}: case ${c.name} lists ${clash.join(', ')} both in cards and boundaryFor`);
  }
  return parsed.data;
}
