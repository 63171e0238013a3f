/**
 * Finding + template → CDS Hooks card. The renderer decides nothing
 * clinical: it fills the template with the finding's values, lists the
 * evidence the rule gave, and turns suggestion intents into FHIR actions.
 */
import { randomUUID } from 'node:crypto';
import type { MedicationRequest } from 'fhir/r4.js';
import { referenceHasId } from '../clinical/medications.js';
import type { Finding, SuggestionIntent } from '../rules/types.js';
import type { Action, Card, Suggestion } from '../protocol/types.js';
import {
  ESRD_GABAPENTIN_DOSE_MG,
  GABAPENTIN_START_MG,
  THRESHOLD_PLACEHOLDERS,
} from '../knowledge/thresholds.js';
import type { CardTemplate } from './templates.js';
import {
  ferricCarboxymaltoseOrder,
  gabapentinOrder,
  ironStudyOrders,
  ironSucroseOrder,
  laxativeOrder,
  methadoneStartOrder,
  oxycodoneErOrder,
} from './suggestion-resources.js';
import { taperTable } from './taper-table.js';

/** What the renderer needs besides the finding. */
export interface RenderContext {
  readonly patientId: string;
  /** Public base URL of the service: source.topic and override-reason systems hang off it. */
  readonly baseUrl: string;
}

const SUMMARY_MAX = 139;

/** Escapes characters that would turn patient-supplied text into markdown or HTML. */
export function escapeMarkdown(value: string): string {
  return value.replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`);
}

/** Replaces `{{name}}` with values; an unknown placeholder is a template error. */
export function fill(template: string, values: Readonly<Record<string, string>>, escape: boolean): string {
  return template.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return escape ? escapeMarkdown(value) : value;
  });
}

function section(title: string, lines: readonly string[]): string {
  return lines.length === 0
    ? ''
    : `\n\n**${title}**\n\n${lines.map((l) => `- ${escapeMarkdown(l)}`).join('\n')}`;
}

/** A create action for a draft medication order, described by the product it orders and how. */
function createOrder(resource: MedicationRequest): Action {
  const what = resource.medicationCodeableConcept?.text ?? 'medication';
  const timing = resource.dosageInstruction?.[0]?.timing?.code?.coding?.[0]?.display;
  return { type: 'create', description: `Order ${what}${timing ? `, ${timing}` : ''}`, resource };
}

function actionsFor(intent: SuggestionIntent, patientId: string): Action[] {
  switch (intent.kind) {
    case 'order-iron-studies':
      return ironStudyOrders(patientId).map((resource) => ({
        type: 'create',
        description: `Order ${resource.code?.text ?? 'iron study'}`,
        resource,
      }));
    case 'order-ferric-carboxymaltose':
      return [createOrder(ferricCarboxymaltoseOrder(patientId))];
    case 'order-iron-sucrose':
      return [createOrder(ironSucroseOrder(patientId))];
    case 'gabapentin-instead': {
      const create = createOrder(gabapentinOrder(patientId, intent.esrd));
      return intent.reference
        ? [
            {
              type: 'delete',
              description: `Remove the draft order for ${intent.display ?? 'the drug'}`,
              resourceId: intent.reference,
            },
            create,
          ]
        : [create];
    }
    case 'order-oxycodone-er':
      return [createOrder(oxycodoneErOrder(patientId))];
    case 'opioid-start-dose-instead':
      return [
        {
          type: 'delete',
          description: `Remove the draft order for ${intent.display}`,
          resourceId: intent.reference,
        },
        createOrder(
          intent.drug === 'methadone' ? methadoneStartOrder(patientId) : oxycodoneErOrder(patientId),
        ),
      ];
    case 'order-laxative':
      return [createOrder(laxativeOrder(patientId))];
    case 'delete-draft':
      return [
        {
          type: 'delete',
          description: `Remove the draft order for ${intent.display}`,
          resourceId: intent.reference,
        },
      ];
  }
}

/** Values a suggestion label may quote: the drug of the draft and the gabapentin dose offered. */
function suggestionValues(intent: SuggestionIntent): Record<string, string> {
  const values: Record<string, string> = { ...THRESHOLD_PLACEHOLDERS };
  if ('display' in intent && intent.display) values.drug = intent.display;
  if (intent.kind === 'gabapentin-instead') {
    values.gabapentinDose = intent.esrd
      ? `${ESRD_GABAPENTIN_DOSE_MG} mg once daily (ESRD dose)`
      : `${GABAPENTIN_START_MG} mg three times a day`;
  }
  return values;
}

/** False for a suggestion that would remove a draft sent without an id (it could not name it). */
function deletesNamedDraft(intent: SuggestionIntent): boolean {
  return !('reference' in intent) || intent.reference === undefined || referenceHasId(intent.reference);
}

function suggestionFor(intent: SuggestionIntent, template: CardTemplate, ctx: RenderContext): Suggestion {
  const text = template.suggestions?.[intent.kind];
  if (!text) throw new Error(`template ${template.rule} has no suggestion text for "${intent.kind}"`);
  const label = fill(text.label, suggestionValues(intent), false);
  return {
    label,
    uuid: randomUUID(),
    ...(text.isRecommended && !('recommended' in intent && intent.recommended === false)
      ? { isRecommended: true }
      : {}),
    actions: actionsFor(intent, ctx.patientId),
  };
}

/** Renders one finding with its template. Throws only on a template/rule mismatch (a programming error). */
export function renderCard(finding: Finding, template: CardTemplate, ctx: RenderContext): Card {
  const variant = finding.variant ? template.variants?.[finding.variant] : undefined;
  if (finding.variant && !variant)
    throw new Error(`template ${template.rule} has no variant "${finding.variant}"`);
  const values = { ...THRESHOLD_PLACEHOLDERS, ...finding.values };
  // A suggestion that removes a draft needs the draft's id; one sent without an id cannot be named.
  const unnamed = finding.suggestions.filter((s) => !deletesNamedDraft(s));
  let summary = fill(variant?.summary ?? template.summary, values, false);
  if ([...summary].length > SUMMARY_MAX) summary = `${[...summary].slice(0, SUMMARY_MAX - 1).join('')}…`;
  const detail =
    fill(variant?.detail ?? template.detail, values, true).trim() +
    (finding.taper
      ? `\n\n**Taper schedule (computed from today's dose)**\n\n${taperTable(finding.taper.drug, finding.taper.steps)}`
      : '') +
    section("This patient's data", finding.evidence) +
    section('How values were derived', finding.computed) +
    section('Missing or not used', [
      ...finding.missing,
      ...unnamed.map(
        (s) =>
          `no suggestion to remove ${'display' in s && s.display ? s.display : 'the draft order'}: the draft order was sent without an id`,
      ),
    ]);
  const suggestions = finding.suggestions
    .filter(deletesNamedDraft)
    .map((s) => suggestionFor(s, template, ctx));
  const overrideSystem = `${ctx.baseUrl}/override-reasons`;
  return {
    uuid: randomUUID(),
    summary,
    detail,
    indicator: finding.indicator,
    source: {
      label: template.source.label,
      url: template.source.url,
      topic: { system: `${ctx.baseUrl}/rules`, code: finding.ruleId, display: template.title },
    },
    ...(suggestions.length > 0
      ? { suggestions, selectionBehavior: suggestions.length > 1 ? 'any' : 'at-most-one' }
      : {}),
    ...(template.overrideReasons?.length
      ? {
          overrideReasons: template.overrideReasons.map((r) => ({
            system: overrideSystem,
            code: r.code,
            display: r.display,
          })),
        }
      : {}),
    ...(template.links?.length
      ? { links: template.links.map((l) => ({ label: l.label, url: l.url, type: 'absolute' as const })) }
      : {}),
  };
}
