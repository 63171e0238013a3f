/**
 * Validation of incoming CDS Hooks requests at the boundary. Unknown fields
 * (and `extension`) are allowed and ignored; a bad field gets a 400 whose
 * message names it.
 */
import type { Bundle, MedicationRequest } from 'fhir/r4.js';
import { z } from 'zod';
import { isOfType, isResource } from '../fhir/resources.js';
import { normalizePatientId, refersToOtherPatient, urnPatients } from '../fhir/resources.js';
import { MAX_URL_CHARS, withoutTrailingSlashes } from '../fhir/url-guard.js';
import { ValidationError } from '../protocol/errors.js';

const nonEmpty = z.string().trim().min(1, 'must be a non-empty string');

const fhirAuthorization = z
  .object({
    access_token: nonEmpty,
    token_type: z.string().regex(/^bearer$/i, 'must be "Bearer"'),
    expires_in: z.number().optional(),
    scope: z.string().optional(),
    subject: z.string().optional(),
    patient: z.string().optional(),
  })
  .loose();

const bundle = z
  .object({
    resourceType: z.literal('Bundle', 'must be a FHIR Bundle'),
    entry: z.array(z.unknown()).optional(),
  })
  .loose();

// userId is REQUIRED by every hook, yet many EHR builds leave it out: a request without it is
// evaluated and the deviation logged. A userId that is present must be a non-empty string.
const baseContext = z
  .object({ userId: nonEmpty.optional(), patientId: nonEmpty, encounterId: z.string().optional() })
  .loose();

/** The common part of every hook request. */
export const HookRequestSchema = z
  .object({
    hook: nonEmpty,
    hookInstance: nonEmpty,
    // The length is checked before the URL is parsed or anything else looks at it.
    fhirServer: z
      .string('must be an http(s) URL')
      .max(MAX_URL_CHARS, `must be at most ${MAX_URL_CHARS} characters`)
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
      .optional(),
    fhirAuthorization: fhirAuthorization.optional(),
    context: z.record(z.string(), z.unknown(), 'must be an object'),
    prefetch: z.record(z.string(), z.unknown(), 'must be an object').optional(),
  })
  .loose()
  .refine((r) => !r.fhirAuthorization || r.fhirServer, {
    message: 'is required when fhirAuthorization is present',
    path: ['fhirServer'],
  });

const CONTEXT_SCHEMAS = {
  'patient-view': baseContext,
  'order-select': baseContext.extend({
    selections: z.array(nonEmpty, 'must be an array of references'),
    draftOrders: bundle,
  }),
  'order-sign': baseContext.extend({ draftOrders: bundle }),
  // CDS Hooks 1.0 (deprecated for order-select, still fired by older EHR builds): the orders being prescribed.
  'medication-prescribe': baseContext.extend({ medications: bundle }),
} as const;

/** A hook this service answers. */
export type ServiceHook = keyof typeof CONTEXT_SCHEMAS;

/** A validated hook request, narrowed to what the handler uses. */
export interface HookRequest {
  readonly hook: ServiceHook;
  readonly hookInstance: string;
  readonly fhirServer?: string;
  readonly accessToken?: string;
  readonly patientId: string;
  readonly prefetch?: Readonly<Record<string, unknown>>;
  /** All values of `context` that are strings, for prefetch tokens. */
  readonly contextTokens: Readonly<Record<string, string>>;
  /** Absent when the client left `context.userId` out (a logged deviation). */
  readonly userId?: string;
  /** The orders being decided: `draftOrders`, or `medications` of medication-prescribe. */
  readonly draftOrders?: Bundle;
  readonly draftMedicationRequests: readonly MedicationRequest[];
  readonly selections?: readonly string[];
  /** Where the request departs from the specification in a way the service tolerates (for the log). */
  readonly deviations: readonly string[];
}

function firstIssue(error: z.ZodError, prefix: string): ValidationError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return new ValidationError(path || '(body)', issue?.message ?? 'is invalid');
}

/**
 * Validates a request body for a service whose hook is `expectedHook`.
 * Throws {@link ValidationError} naming the first bad field.
 */
export function parseHookRequest(body: unknown, expectedHook: HookRequest['hook']): HookRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('(body)', 'must be a JSON object');
  }
  const parsed = HookRequestSchema.safeParse(body);
  if (!parsed.success) throw firstIssue(parsed.error, '');
  const r = parsed.data;
  if (r.hook !== expectedHook)
    throw new ValidationError('hook', `"${r.hook}" does not match this service's hook (${expectedHook})`);
  const context = CONTEXT_SCHEMAS[expectedHook].safeParse(r.context);
  if (!context.success) throw firstIssue(context.error, 'context');
  const ctx = context.data as z.infer<typeof baseContext> & {
    selections?: string[];
    draftOrders?: Bundle;
    medications?: Bundle;
  };
  const deviations: string[] = [];
  if (ctx.userId === undefined) deviations.push('context.userId is missing');
  const patientId = normalizePatientId(ctx.patientId.trim());
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patientId)) {
    throw new ValidationError(
      'context.patientId',
      'must be a FHIR id (letters, digits, "-" and ".", at most 64)',
    );
  }
  const contextTokens: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.context)) if (typeof v === 'string') contextTokens[k] = v;
  contextTokens.patientId = patientId;
  const draftOrders = ctx.medications ? prescribedBundle(ctx.medications, deviations) : ctx.draftOrders;
  const draftUrns = urnPatients([draftOrders]);
  const draftMedicationRequests = (Array.isArray(draftOrders?.entry) ? draftOrders.entry : [])
    .map((e: unknown) =>
      typeof e === 'object' && e !== null ? (e as { resource?: unknown }).resource : undefined,
    )
    .filter((res): res is MedicationRequest => isOfType(res, 'MedicationRequest'))
    // A draft whose subject names another patient is not this patient's order (compared by id, any form).
    .filter((mr) => !refersToOtherPatient(mr.subject, patientId, draftUrns));
  return {
    hook: expectedHook,
    hookInstance: r.hookInstance,
    ...(r.fhirServer ? { fhirServer: withoutTrailingSlashes(r.fhirServer) } : {}),
    ...(r.fhirAuthorization ? { accessToken: r.fhirAuthorization.access_token } : {}),
    patientId,
    ...(r.prefetch ? { prefetch: r.prefetch } : {}),
    contextTokens,
    ...(ctx.userId !== undefined ? { userId: ctx.userId } : {}),
    ...(draftOrders ? { draftOrders } : {}),
    draftMedicationRequests,
    ...(ctx.selections ? { selections: ctx.selections } : {}),
    deviations,
  };
}

/**
 * The `medications` Bundle of medication-prescribe as a Bundle of entries.
 * Some 1.0 clients put the resources themselves in `entry` (no `resource`
 * wrapper): they are read as entries, and the deviation is recorded.
 */
function prescribedBundle(medications: Bundle, deviations: string[]): Bundle {
  const entries: unknown[] = Array.isArray(medications.entry) ? medications.entry : [];
  let bare = 0;
  const entry = entries.map((e) => {
    if (isResource(e)) {
      bare += 1;
      return { resource: e };
    }
    return e as NonNullable<Bundle['entry']>[number];
  });
  if (bare > 0)
    deviations.push(
      `context.medications: ${bare} entr${bare === 1 ? 'y is' : 'ies are'} a resource, not a Bundle entry`,
    );
  return { ...medications, ...(entry.length > 0 ? { entry } : {}) };
}

const feedbackEntry = z
  .object({
    card: nonEmpty,
    outcome: z.enum(['accepted', 'overridden'], 'must be "accepted" or "overridden"'),
    acceptedSuggestions: z.array(z.object({ id: nonEmpty }).loose(), 'must be an array').optional(),
    overrideReason: z
      .object({
        reason: z
          .object({ code: nonEmpty, system: z.string().optional(), display: z.string().optional() })
          .loose()
          .optional(),
        userComment: z.string().optional(),
      })
      .loose()
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
  })
  .loose()
  .refine((f) => f.outcome !== 'accepted' || (f.acceptedSuggestions?.length ?? 0) > 0, {
    message: 'is required when outcome is "accepted"',
    path: ['acceptedSuggestions'],
  });

/** The feedback body: `{ feedback: [...] }`. */
export const FeedbackSchema = z
  .object({ feedback: z.array(feedbackEntry, 'must be an array').min(1, 'must not be empty') })
  .loose();

/** One validated feedback entry. */
export type FeedbackEntry = z.infer<typeof feedbackEntry>;

/** Validates a feedback body; throws {@link ValidationError} naming the field. */
export function parseFeedback(body: unknown): FeedbackEntry[] {
  const parsed = FeedbackSchema.safeParse(body);
  if (!parsed.success) throw firstIssue(parsed.error, '');
  return parsed.data.feedback;
}

/** Fills `{{context.x}}` tokens of a prefetch template; values are URL-encoded. */
export function renderTemplate(template: string, tokens: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*context\.([A-Za-z]+)\s*\}\}/g, (_, name: string) => {
    const value = tokens[name];
    if (value === undefined) throw new Error(`prefetch token context.${name} has no value`);
    return encodeURIComponent(value);
  });
}
