import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CARDS_DIR, loadTemplates } from '../../src/cards/templates.js';
import { RULES } from '../../src/rules/index.js';

const ids = RULES.map((r) => r.id);

function copyCards(edit?: (name: string, text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cards-'));
  for (const f of readdirSync(DEFAULT_CARDS_DIR)) {
    const text = readFileSync(join(DEFAULT_CARDS_DIR, f), 'utf8');
    writeFileSync(join(dir, f), edit ? edit(f, text) : text);
  }
  return dir;
}

test('every rule has exactly one valid card template', () => {
  const templates = loadTemplates(DEFAULT_CARDS_DIR, ids);
  expect([...templates.keys()].sort()).toEqual([...ids].sort());
});

test('a template with a summary of 140 characters or more stops start-up, naming the file', () => {
  const dir = copyCards((f, t) =>
    f === 'iron-borderline.yaml' ? t.replace(/^summary: .*$/m, `summary: '${'x'.repeat(140)}'`) : t,
  );
  expect(() => loadTemplates(dir, ids)).toThrow(
    /iron-borderline\.yaml: summary must be under 140 characters/,
  );
});

test('a template missing its source URL stops start-up, naming the field', () => {
  const dir = copyCards((f, t) => (f === 'avoid-cabergoline.yaml' ? t.replace(/^ {2}url: .*$/m, '') : t));
  expect(() => loadTemplates(dir, ids)).toThrow(/avoid-cabergoline\.yaml: source\.url/);
});

test('a rule without a template stops start-up', () => {
  expect(() => loadTemplates(DEFAULT_CARDS_DIR, [...ids, 'some-future-rule'])).toThrow(
    /rule "some-future-rule" has no card template/,
  );
});

test('a template for a rule that does not exist stops start-up', () => {
  expect(() =>
    loadTemplates(
      DEFAULT_CARDS_DIR,
      ids.filter((i) => i !== 'iron-borderline'),
    ),
  ).toThrow(/no rule has the id "iron-borderline"/);
});
