/**
 * The rule reference and the configuration reference are generated from the code (`npm run docs`):
 * the committed files must be exactly what the generator writes now, so they never describe an older
 * rule, threshold, card template or setting.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from '../../scripts/docs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const docs = Object.entries(await generatedDocs());

test('both generated documents are produced', () => {
  expect(docs.map(([path]) => path).sort()).toEqual(['docs/configuration.md', 'docs/rules.md']);
});

test.each(docs)('%s is up to date with the code (regenerate with `npm run docs`)', (path, content) => {
  expect(readFileSync(`${ROOT}${path}`, 'utf8')).toBe(content);
});

test('every registered rule has a section and a row in the rule reference', async () => {
  const { RULES } = await import('../../src/rules/index.js');
  const rules = docs.find(([path]) => path === 'docs/rules.md')?.[1] ?? '';
  for (const rule of RULES) {
    expect(rules).toContain(`\n## ${rule.id}\n`);
    expect(rules).toMatch(new RegExp(`^\\| \`${rule.id}\`\\s+\\|`, 'm'));
  }
});
