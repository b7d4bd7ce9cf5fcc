import type { CatalogEntry, MessageCatalog } from './catalog-types.js';

/** True when `subject` matches the NATS pattern (`*` one token, `>` one or more trailing tokens). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Literal tokens count more than `*`, which counts more than `>`: the most specific pattern wins. */
function specificity(pattern: string): number {
  return pattern.split('.').reduce((n, t) => n + (t === '>' ? 0 : t === '*' ? 1 : 3), 0);
}

export function createCatalog(entries: readonly CatalogEntry[]): MessageCatalog {
  const sorted = [...entries].sort((a, b) => specificity(b.pattern) - specificity(a.pattern));
  const cache = new Map<string, CatalogEntry | undefined>();
  return {
    entries,
    lookup(subject) {
      if (cache.has(subject)) return cache.get(subject);
      const found = sorted.find((e) => subjectMatches(e.pattern, subject));
      if (cache.size > 10_000) cache.clear();
      cache.set(subject, found);
      return found;
    },
  };
}
