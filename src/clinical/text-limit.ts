/**
 * The longest free text the clinical code parses. Drug names, sig texts,
 * code displays and dates come from the EHR, and a regular expression over
 * an unbounded string is a way to stall the process. A text longer than the
 * limit is not parsed at all (never cut and then read: a cut "0.25 mg" could
 * read as "0.2"), so whatever depended on it stays unknown and says so.
 */

/** Longest drug, sig or procedure text that is parsed (characters). Real ones are well under 200. */
export const MAX_PARSED_TEXT_CHARS = 500;

/** `text` when it is a string short enough to parse, else undefined. */
export function parseableText(text: unknown, maxChars: number = MAX_PARSED_TEXT_CHARS): string | undefined {
  return typeof text === 'string' && text.length <= maxChars ? text : undefined;
}
