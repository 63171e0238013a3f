/**
 * Suppression on the hook path: the cards of one call are split into those
 * shown and those held back, after asking the store what the client's
 * clinicians did with the same findings for this patient. The store is
 * asked with a time limit; when it fails or is slow, every card is shown
 * (fail open) and the failure is reported.
 */
import type { CardTemplate } from '../cards/templates.js';
import type { Card } from '../protocol/types.js';
import type { Finding } from '../rules/types.js';
import type { ClientKey, FindingMemory, OpsStore } from '../store/types.js';
import type { KeyedHasher } from './keys.js';
import { type Suppression, type SuppressionSettings, decide } from './policy.js';

/** What suppression needs from its surroundings. */
export interface SuppressionDeps {
  readonly settings: SuppressionSettings;
  /** Time allowed for the store lookup (ms). */
  readonly lookupTimeoutMs: number;
  readonly hasher: KeyedHasher;
  readonly store: Pick<OpsStore, 'findingMemory'>;
  readonly templates: ReadonlyMap<string, CardTemplate>;
  /** The lookup failed or timed out; the cards were shown. */
  readonly onLookupFailure?: (reason: 'error' | 'timeout', error?: unknown) => void;
}

/** One call's cards and whom and what they are about. */
export interface SuppressionInput {
  readonly cards: readonly Card[];
  /** The finding behind each card, same order. */
  readonly findings: readonly Finding[];
  readonly client: ClientKey;
  readonly patientId: string;
  readonly userId: string;
  readonly encounterId?: string;
  /** The request asked to show every card. */
  readonly disabled: boolean;
  readonly now: Date;
}

/** A card with the hashes the card log keeps for it. */
export interface HashedCard {
  readonly card: Card;
  readonly factsHash: string;
}

/** The outcome: cards to show, cards held back and why, and the call's keyed hashes. */
export interface SuppressionResult {
  readonly shown: readonly HashedCard[];
  readonly held: readonly (HashedCard & { readonly suppression: Suppression })[];
  readonly patientHash: string;
  readonly sessionHash: string;
}

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Splits the call's cards into shown and held back. Never throws; never waits longer than the lookup limit. */
export async function applySuppression(
  input: SuppressionInput,
  deps: SuppressionDeps,
): Promise<SuppressionResult> {
  const patientHash = deps.hasher.patient(input.patientId);
  const sessionHash = deps.hasher.session(input.userId, input.encounterId);
  const hashed = input.cards.map((card, i) => {
    const finding = input.findings[i];
    if (!finding) throw new Error('every card needs its finding');
    return { card, finding, factsHash: deps.hasher.facts(finding) };
  });
  const showAll = (): SuppressionResult => ({
    shown: hashed.map(({ card, factsHash }) => ({ card, factsHash })),
    held: [],
    patientHash,
    sessionHash,
  });
  if (!deps.settings.enabled || input.disabled || hashed.length === 0) return showAll();

  let memories: FindingMemory[];
  try {
    const lookup = deps.store.findingMemory(input.client, patientHash, [
      ...new Set(hashed.map((h) => h.finding.ruleId)),
    ]);
    lookup.catch(() => undefined); // a late failure after a time-out is not unhandled
    const answer = await withTimeout(lookup, deps.lookupTimeoutMs);
    if (answer === TIMED_OUT) {
      deps.onLookupFailure?.('timeout');
      return showAll();
    }
    memories = answer;
  } catch (error) {
    deps.onLookupFailure?.('error', error);
    return showAll();
  }

  const shown: HashedCard[] = [];
  const held: (HashedCard & { suppression: Suppression })[] = [];
  for (const { card, finding, factsHash } of hashed) {
    const doNotSuppress = new Set(deps.templates.get(finding.ruleId)?.doNotSuppress ?? []);
    const suppression = decide(
      { ruleId: finding.ruleId, indicator: finding.indicator, factsHash, sessionHash },
      memories,
      input.now,
      deps.settings,
      doNotSuppress,
    );
    if (suppression) held.push({ card, factsHash, suppression });
    else shown.push({ card, factsHash });
  }
  return { shown, held, patientHash, sessionHash };
}
