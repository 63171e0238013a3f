/**
 * The one check on every URL the service requests from a FHIR server: the
 * first page of a query, every `next` page (from a prefetch Bundle or from a
 * page the service fetched) and every `medicationReference` read. A URL is
 * requested only when, after WHATWG URL parsing, it has the scheme, host and
 * port of the registered `fhirServer` and its path lies under the base path
 * on a segment boundary; dot segments (`..`, `.`, or percent-encoded dots),
 * encoded slashes and backslashes are refused before parsing, since servers
 * and proxies disagree about what they mean. Nothing here uses a regular
 * expression, and every string is length-checked first.
 */

/** Longest URL (fhirServer, next link, reference) the service reads at all (characters). */
export const MAX_URL_CHARS = 2048;

const SLASH = 0x2f;

/** `value` without trailing `/` characters (linear time, unlike `/\/+$/`). */
export function withoutTrailingSlashes(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === SLASH) end -= 1;
  return value.slice(0, end);
}

/** True when the string holds a control character, a space or DEL (WHATWG parsing would drop or keep them silently). */
function hasControlOrSpace(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The part of a URL string before its query or fragment. */
function beforeQuery(value: string): string {
  const q = value.indexOf('?');
  const h = value.indexOf('#');
  const cut = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return cut < 0 ? value : value.slice(0, cut);
}

/**
 * True when the path part of a raw URL string holds a dot segment, a
 * percent-encoded dot, an encoded slash or backslash, or a backslash.
 */
export function hasPathTrick(raw: string): boolean {
  const path = beforeQuery(raw).toLowerCase();
  if (path.includes('\\') || path.includes('%2e') || path.includes('%2f') || path.includes('%5c'))
    return true;
  return path.split('/').some((segment) => segment === '.' || segment === '..');
}

/** A registered FHIR base URL, parsed once for comparisons. */
interface Base {
  readonly protocol: string;
  readonly host: string;
  /** The path with exactly one trailing `/` ("/" for a base at the root). */
  readonly dir: string;
  /** The base URL with a trailing `/`, to resolve relative URLs against. */
  readonly href: string;
}

function parseBase(baseUrl: string): Base | undefined {
  if (baseUrl.length > MAX_URL_CHARS || hasControlOrSpace(baseUrl) || hasPathTrick(baseUrl)) return undefined;
  let b: URL;
  try {
    b = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if ((b.protocol !== 'https:' && b.protocol !== 'http:') || b.username || b.password || b.search || b.hash)
    return undefined;
  const dir = `${withoutTrailingSlashes(b.pathname)}/`;
  return { protocol: b.protocol, host: b.host, dir, href: `${b.origin}${dir}` };
}

/**
 * The absolute URL to request for `candidate` (absolute, or relative to the
 * base), or undefined when it does not lie under the FHIR base `baseUrl`:
 * too long, a path trick, credentials, another scheme, host or port, or a
 * path outside the base's. The fragment is dropped.
 */
export function urlUnderBase(candidate: string, baseUrl: string): string | undefined {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > MAX_URL_CHARS) return undefined;
  if (hasControlOrSpace(candidate) || hasPathTrick(candidate)) return undefined;
  const base = parseBase(baseUrl);
  if (!base) return undefined;
  let u: URL;
  try {
    u = new URL(candidate, base.href);
  } catch {
    return undefined;
  }
  if (u.username || u.password) return undefined;
  if (u.protocol !== base.protocol || u.host !== base.host) return undefined;
  if (!u.pathname.startsWith(base.dir)) return undefined;
  u.hash = '';
  return u.href;
}

/** The path of `url` below the FHIR base (e.g. `Medication/x1`), when `url` lies under it. */
export function pathUnderBase(url: string, baseUrl: string): string | undefined {
  const resolved = urlUnderBase(url, baseUrl);
  const base = parseBase(baseUrl);
  if (!resolved || !base) return undefined;
  const u = new URL(resolved);
  if (u.search) return undefined;
  return u.pathname.slice(base.dir.length);
}
