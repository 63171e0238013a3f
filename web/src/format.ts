/** Dates, numbers and durations for the chart. */

/** `2026-10-15` from an ISO date-time (as recorded, no time-zone shift). */
export function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '';
}

/** "17 days ago", "today", "in 3 days", from an ISO date(-time) to `now`. */
export function ago(iso: string | undefined, now: Date): string {
  if (!iso) return '';
  const t = Date.parse(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(t)) return '';
  const days = Math.round((now.getTime() - t) / 86_400_000);
  if (days === 0) return 'today';
  if (days < 0) return `in ${-days} days`;
  if (days < 60) return `${days} day${days === 1 ? '' : 's'} ago`;
  const months = Math.round(days / 30.44);
  if (months < 24) return `${months} months ago`;
  return `${Math.round(days / 365.25)} years ago`;
}

/** Age in whole years from a birth date. */
export function age(birthDate: string | undefined, now: Date): string {
  if (!birthDate) return '';
  const b = new Date(`${birthDate.slice(0, 10)}T00:00:00Z`);
  let years = now.getUTCFullYear() - b.getUTCFullYear();
  const m = now.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) years -= 1;
  return `${years} y`;
}

/** A number without float noise: 0.75, 1.5, 300. */
export function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** Milliseconds for the inspector. */
export function ms(n: number): string {
  return n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`;
}
