/**
 * Card detail markdown as the simulator page renders it: markdown becomes
 * HTML, raw HTML never does, unsafe link schemes are dropped and images are
 * not loaded. (The DOM allow-list behind it is exercised in the browser test.)
 */
import { escapeHtml, markdownToHtml, safeUrl } from '../../web/src/markdown.js';

test('markdown is rendered', () => {
  const html = markdownToHtml('**bold** and *it*\n\n- one\n- two');
  expect(html).toContain('<strong>bold</strong>');
  expect(html).toContain('<em>it</em>');
  expect(html).toContain('<li>one</li>');
});

test.each([
  ['<script>alert(1)</script>', '<script'],
  ['<img src=x onerror="alert(1)">', '<img'],
  ['text <img src=x onerror=alert(1)> inline', '<img'],
  ['<iframe src="javascript:alert(1)"></iframe>', '<iframe'],
  ['<a href="javascript:alert(1)">x</a>', '<a href="javascript'],
  ['<div onclick="alert(1)">x</div>', '<div'],
])('raw HTML is shown as text, never parsed: %s', (markdown, forbidden) => {
  const html = markdownToHtml(markdown);
  expect(html).not.toContain(forbidden);
  expect(html).toContain('&lt;');
});

test('links keep only http(s) and mailto; images become links and are never loaded', () => {
  expect(markdownToHtml('[x](javascript:alert(1))')).not.toContain('href');
  expect(markdownToHtml('[x](data:text/html,<script>alert(1)</script>)')).not.toContain('href');
  const ok = markdownToHtml('[guideline](https://doi.org/10.5664/jcsm.11390 "AASM")');
  expect(ok).toContain('href="https://doi.org/10.5664/jcsm.11390"');
  expect(ok).toContain('rel="noopener noreferrer"');
  const img = markdownToHtml('![tracker](https://tracker.example/p.png)');
  expect(img).not.toContain('<img');
  expect(img).toContain('[image: tracker]');
  expect(safeUrl(' JAVASCRIPT:alert(1)')).toBeUndefined();
  expect(escapeHtml(`<a href="x" title='y'>&`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
});
