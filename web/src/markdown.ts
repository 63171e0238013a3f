/**
 * Card detail markdown → HTML, safely: raw HTML in the markdown is shown as
 * text (never parsed), links keep only http(s) and mailto destinations and
 * open in a new tab, and images are not loaded (shown as a link with their
 * alt text, so a card cannot make the page fetch anything). The output is
 * then passed through the DOMPurify allow-list in sanitize.ts before it is shown.
 * Pure (no DOM): unit-tested in node.
 */
import { Marked } from 'marked';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Only these URL schemes are linked; anything else (javascript:, data:, vbscript:) is dropped. */
export function safeUrl(href: string): string | undefined {
  const trimmed = href.trim();
  return /^(https?:\/\/|mailto:)/i.test(trimmed) ? trimmed : undefined;
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }) {
      const inner = this.parser.parseInline(tokens);
      const url = safeUrl(href);
      if (!url) return inner;
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(url)}"${t} target="_blank" rel="noopener noreferrer">${inner}</a>`;
    },
    image({ href, text }) {
      const label = `[image: ${text || 'no description'}]`;
      const url = safeUrl(href);
      return url
        ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label)}</a>`
        : escapeHtml(label);
    },
  },
});

/** Renders card markdown to HTML with no raw HTML, no unsafe links and no images. */
export function markdownToHtml(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
