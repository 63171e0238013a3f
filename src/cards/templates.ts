/**
 * Card templates: one YAML file per rule id in the top-level `cards/` folder,
 * written and edited by clinicians. Loaded and validated once at start-up;
 * a template that is missing, malformed or names an unknown rule stops the
 * service with a message that says which file and which field.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const text = z.string().trim().min(1);

const coding = z.object({ code: text, display: text }).strict();

const suggestionText = z
  .object({ label: text, description: text.optional(), isRecommended: z.boolean().optional() })
  .strict();

const variant = z.object({ summary: text.optional(), detail: text.optional() }).strict();

/** The schema of one card template file. */
export const CardTemplateSchema = z
  .object({
    rule: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'rule ids are lower-case words joined by hyphens'),
    title: text,
    summary: text,
    detail: text,
    source: z.object({ label: text, url: z.url() }).strict(),
    links: z.array(z.object({ label: text, url: z.url() }).strict()).optional(),
    overrideReasons: z.array(coding).optional(),
    /**
     * Override reason codes that never hold this card back: reasons that say the data is wrong or
     * not yet recorded call for review, so the card keeps showing until the record changes.
     */
    doNotSuppress: z.array(text).optional(),
    suggestions: z.record(z.string(), suggestionText).optional(),
    variants: z.record(z.string(), variant).optional(),
  })
  .strict();

/** A validated card template. */
export type CardTemplate = z.infer<typeof CardTemplateSchema>;

/**
 * The folder of the card templates: src/knowledge/card-templates/, beside the knowledge they render.
 * Found relative to this module, so it works from src/ and from dist/ (the build copies the templates).
 */
export const DEFAULT_CARDS_DIR = fileURLToPath(new URL('../knowledge/card-templates/', import.meta.url));

/**
 * Loads every `*.yaml` template in `dir` and checks that exactly the given
 * rule ids have one. Throws an Error naming the file and field on any problem.
 */
export function loadTemplates(dir: string, ruleIds: readonly string[]): ReadonlyMap<string, CardTemplate> {
  const templates = new Map<string, CardTemplate>();
  const problems: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    let raw: unknown;
    try {
      raw = parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid YAML (${(error as Error).message.split('\n')[0] ?? ''})`);
      continue;
    }
    const result = CardTemplateSchema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues)
        problems.push(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      continue;
    }
    const template = result.data;
    if (`${template.rule}.yaml` !== file)
      problems.push(`${file}: rule "${template.rule}" must be in ${template.rule}.yaml`);
    if (!ruleIds.includes(template.rule)) problems.push(`${file}: no rule has the id "${template.rule}"`);
    if ([...template.summary].length >= 140) problems.push(`${file}: summary must be under 140 characters`);
    const reasonCodes = new Set((template.overrideReasons ?? []).map((r) => r.code));
    for (const code of template.doNotSuppress ?? [])
      if (!reasonCodes.has(code))
        problems.push(`${file}: doNotSuppress: "${code}" is not one of the card's overrideReasons`);
    templates.set(template.rule, template);
  }
  for (const id of ruleIds)
    if (!templates.has(id)) problems.push(`rule "${id}" has no card template (${id}.yaml)`);
  if (problems.length > 0)
    throw new Error(`card templates in ${dir} are invalid:\n- ${problems.join('\n- ')}`);
  return templates;
}
