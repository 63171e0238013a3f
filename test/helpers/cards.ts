/**
 * Checks a CDS Hooks response against the 2.0 rules for cards, so that every
 * test that gets cards can assert they are valid, not just present.
 */
import type { Card } from '../../src/protocol/types.js';

/** Paths of every null, "", [] or {} inside a value. */
export function emptyValues(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (value === '') return [path];
  if (Array.isArray(value)) {
    return value.length === 0 ? [path] : value.flatMap((v, i) => emptyValues(v, `${path}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => emptyValues(v, `${path}.${k}`));
  }
  return [];
}

/** Every way a card breaks the CDS Hooks 2.0 card rules (empty list = valid). */
export function cardProblems(card: Card, baseUrl: string): string[] {
  const problems = emptyValues(card).map((p) => `empty value at ${p}`);
  const c = card as unknown as Record<string, unknown>;
  if (typeof card.uuid !== 'string' || !/^[0-9a-f-]{36}$/.test(card.uuid))
    problems.push('uuid missing or not a UUID');
  if (typeof card.summary !== 'string' || [...card.summary].length >= 140)
    problems.push('summary missing or 140+ characters');
  if (!['info', 'warning', 'critical'].includes(card.indicator))
    problems.push(`bad indicator ${String(c.indicator)}`);
  // Every placeholder of a template or a rule text must have been filled before the card leaves.
  const texts = [
    card.summary,
    card.detail ?? '',
    ...(card.suggestions ?? []).flatMap((s) => [s.label, ...(s.actions ?? []).map((x) => x.description)]),
  ];
  if (texts.some((t) => /\{\{|\}\}/.test(t))) problems.push('unfilled placeholder in the card text');
  if (!card.source?.label) problems.push('source.label missing');
  if (card.source?.topic?.system !== `${baseUrl}/rules` || !card.source.topic.code)
    problems.push('source.topic wrong');
  if (card.suggestions) {
    if (!card.selectionBehavior || !['at-most-one', 'any'].includes(card.selectionBehavior))
      problems.push('selectionBehavior missing');
    const recommended = card.suggestions.filter((s) => s.isRecommended).length;
    if (card.selectionBehavior === 'at-most-one' && recommended > 1)
      problems.push('several recommended with at-most-one');
    for (const s of card.suggestions) {
      if (!s.label || !s.uuid) problems.push('suggestion without label or uuid');
      for (const a of s.actions ?? []) {
        if (!['create', 'update', 'delete'].includes(a.type) || !a.description)
          problems.push('action without type/description');
        if (a.type === 'delete' && (!a.resourceId || a.resource))
          problems.push('delete action must use resourceId only');
        if (a.type === 'create' && typeof a.resource?.resourceType !== 'string')
          problems.push('create action without resource');
      }
    }
  }
  for (const r of card.overrideReasons ?? [])
    if (!r.display || !r.code || !r.system) problems.push('override reason incomplete');
  for (const l of card.links ?? [])
    if (!l.label || !l.url || !['absolute', 'smart'].includes(l.type)) problems.push('link incomplete');
  return problems;
}

/** The rule ids of a list of cards, in order. */
export function ruleIds(cards: readonly Card[]): string[] {
  return cards.map((c) => c.source.topic.code);
}

/** The `Type/id` references of the resources in a request's `context.draftOrders` Bundle. */
export function draftOrderReferences(body: unknown): string[] {
  const context = (body as { context?: { draftOrders?: { entry?: unknown } } }).context;
  const entries = context?.draftOrders?.entry;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((e: unknown) => {
    const r = (e as { resource?: { resourceType?: unknown; id?: unknown } }).resource;
    return typeof r?.resourceType === 'string' && typeof r.id === 'string'
      ? [`${r.resourceType}/${r.id}`]
      : [];
  });
}

/**
 * Every delete action of the card whose `resourceId` is not one of the request's draft orders
 * (empty list = every deletion names a draft the EHR sent).
 */
export function deleteTargetProblems(card: Card, body: unknown): string[] {
  const drafts = draftOrderReferences(body);
  return (card.suggestions ?? []).flatMap((s) =>
    (s.actions ?? [])
      .filter((a) => a.type === 'delete' && !drafts.includes(a.resourceId ?? ''))
      .map((a) => `delete action names ${a.resourceId ?? 'nothing'}, not a draft order of the request`),
  );
}
