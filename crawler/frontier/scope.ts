import { getDomain } from 'tldts';
import type { Scope } from './options.js';

/**
 * The part of a URL a scope compares: the origin (scheme, host, port), the host name, or the
 * registrable domain from the Public Suffix List (`a.example.co.uk` → `example.co.uk`; an IP address
 * or a name without one is its own domain).
 */
export function scopeKey(url: URL, scope: Scope): string {
  switch (scope) {
    case 'same-origin':
      return url.origin;
    case 'same-host':
      return url.hostname;
    case 'same-domain':
      return getDomain(url.hostname, { allowPrivateDomains: true }) ?? url.hostname;
    case 'any':
      return '';
  }
}

/** The scope keys of a crawl's seeds: a link is in scope when its key is one of them. */
export class ScopeSet {
  readonly #keys = new Set<string>();

  constructor(readonly scope: Scope) {}

  addSeed(url: URL): void {
    this.#keys.add(scopeKey(url, this.scope));
  }

  has(url: URL): boolean {
    return this.scope === 'any' || this.#keys.has(scopeKey(url, this.scope));
  }
}
