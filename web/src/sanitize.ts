/**
 * The sanitizer for HTML produced by markdown.ts (defence in depth): DOMPurify
 * with an allow-list of the elements card markdown can produce. Disallowed
 * elements are removed (script-like ones with their content), every attribute
 * not on the list is dropped, links keep only http(s) and mailto URLs and open
 * in a new tab without access to this page.
 */
import DOMPurify from 'dompurify';

const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'strong',
  'em',
  'b',
  'i',
  'del',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'a',
];

const ALLOWED_ATTR = ['start', 'align', 'href', 'title'];

const purify = DOMPurify(window);
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.localName === 'a') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** A fragment with only allowed elements and attributes, ready to append. */
export function sanitizedFragment(html: string): DocumentFragment {
  return purify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: /^(?:https?:\/\/|mailto:)/i,
    RETURN_DOM_FRAGMENT: true,
  });
}
