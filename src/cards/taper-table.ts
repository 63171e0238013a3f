/**
 * The taper schedule as a markdown table (numbers only, so nothing to escape).
 */
import type { TaperStep } from '../clinical/taper.js';

/** The schedule as a markdown table for the card. */
export function taperTable(ingredientId: string, steps: readonly TaperStep[]): string {
  const rows = steps.map((s) => {
    const weeks = s.fromWeek === s.toWeek ? `week ${s.fromWeek}` : `weeks ${s.fromWeek}-${s.toWeek}`;
    const dose = s.mgPerDay === 0 ? 'stop' : `${s.mgPerDay} mg/day`;
    return `| ${weeks} | ${dose} | ${s.pramipexoleEq} mg |`;
  });
  return [`| when | ${ingredientId} | pramipexole-equivalent |`, '|---|---|---|', ...rows].join('\n');
}
