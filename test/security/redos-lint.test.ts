/**
 * The ReDoS checker (eslint-plugin-regexp's super-linear rules, configured in
 * eslint.config.js for src/) passes over the service's sources, and does
 * catch the quadratic patterns the service used to have, so a new one fails
 * `npm run lint` and this test.
 */
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The project's regexp rules for src/ (as eslint.config.js sets them), with a parser that needs no type information (fast). */
async function eslint(): Promise<ESLint> {
  const project = (await new ESLint({ cwd: ROOT }).calculateConfigForFile('src/app.ts')) as Linter.Config;
  const rules = Object.fromEntries(
    Object.entries(project.rules ?? {}).filter(([name]) => name.startsWith('regexp/no-super-linear')),
  );
  expect(Object.keys(rules).sort()).toEqual([
    'regexp/no-super-linear-backtracking',
    'regexp/no-super-linear-move',
  ]);
  const redos: Linter.Config = {
    files: ['**/*.ts'],
    plugins: { regexp },
    languageOptions: { parser: tseslint.parser },
    rules,
  };
  return new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: [redos] });
}

test('no regular expression in src/ can take more than linear time', async () => {
  const results = await (await eslint()).lintFiles(['src/**/*.ts']);
  expect(results.length).toBeGreaterThan(50);
  const problems = results.flatMap((r) =>
    r.messages.map((m) => `${r.filePath.slice(ROOT.length)}:${m.line} ${m.ruleId ?? ''} ${m.message}`),
  );
  expect(problems).toEqual([]);
}, 60_000);

test.each([
  [
    'the old drug-strength pattern',
    'export const s = (t: string) => t.match(/(\\d+(?:\\.\\d+)?)\\s*mg\\b/gi);',
  ],
  ['the old trailing-slash strip', "export const u = (t: string) => t.replace(/\\/+$/, '');"],
  ['nested quantifiers', 'export const n = (t: string) => /^(a+)+$/.test(t);'],
])('the checker flags %s', async (_name, code) => {
  const [result] = await (await eslint()).lintText(code, { filePath: `${ROOT}src/probe.ts` });
  expect(result?.messages.map((m) => m.ruleId)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^regexp\/no-super-linear-(move|backtracking)$/)]),
  );
});
