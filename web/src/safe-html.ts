/**
 * A DOM allow-list for HTML produced by markdown.ts (defence in depth). The
 * HTML is parsed into an inert <template> (no script runs, nothing loads),
 * every element and attribute not on the list is removed, and only then is
 * the result attached to the page.
 */

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  p: [],
  br: [],
  hr: [],
  strong: [],
  em: [],
  b: [],
  i: [],
  del: [],
  code: [],
  pre: [],
  blockquote: [],
  ul: [],
  ol: ['start'],
  li: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: ['align'],
  td: ['align'],
  a: ['href', 'title', 'target', 'rel'],
};

/** Elements dropped with their content (everything else not allowed is unwrapped, keeping its text). */
const DROP = new Set([
  'script',
  'style',
  'iframe',
  'object',
  'embed',
  'template',
  'svg',
  'math',
  'img',
  'video',
  'audio',
  'link',
  'meta',
  'form',
  'input',
  'button',
  'textarea',
  'select',
]);

function clean(node: Node): void {
  for (const child of [...node.childNodes]) {
    if (child.nodeType === Node.TEXT_NODE) continue;
    if (child.nodeType !== Node.ELEMENT_NODE) {
      child.remove();
      continue;
    }
    const el = child as Element;
    const tag = el.localName;
    const allowed = ALLOWED[tag];
    if (!allowed) {
      if (DROP.has(tag)) el.remove();
      else {
        clean(el);
        el.replaceWith(...el.childNodes);
      }
      continue;
    }
    for (const attr of [...el.attributes]) {
      if (!allowed.includes(attr.name)) el.removeAttribute(attr.name);
    }
    if (tag === 'a') {
      const href = el.getAttribute('href') ?? '';
      if (!/^(https?:\/\/|mailto:)/i.test(href.trim())) el.removeAttribute('href');
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer');
    }
    clean(el);
  }
}

/** A fragment with only allowed elements and attributes, ready to append. */
export function sanitizedFragment(html: string): DocumentFragment {
  const template = document.createElement('template');
  template.innerHTML = html;
  clean(template.content);
  return template.content;
}
