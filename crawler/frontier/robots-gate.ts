import type { RobotsCache, RobotsRules } from './robots.js';

/**
 * robots.txt in front of the frontier's hand-out: the rules of a URL's origin when they are loaded,
 * and a fetch of them started (once per origin) when they are not. `onLoaded` runs when rules arrive,
 * with their origin's Crawl-delay, so the frontier can wake up and try that host again.
 */
export class RobotsGate {
  readonly #robots: RobotsCache;
  readonly #onLoaded: (rules: RobotsRules) => void;
  readonly #loading = new Set<string>();

  constructor(robots: RobotsCache, onLoaded: (rules: RobotsRules) => void) {
    this.#robots = robots;
    this.#onLoaded = onLoaded;
  }

  /** Origins whose robots.txt is on its way. */
  get loading(): number {
    return this.#loading.size;
  }

  /** The rules of `url`'s origin, or `'loading'` (asked for now, or already on their way). */
  rulesFor(url: string): RobotsRules | 'loading' {
    const origin = new URL(url).origin;
    const rules = this.#robots.peek(origin);
    if (rules) return rules;
    if (this.#loading.has(origin)) return 'loading';
    this.#loading.add(origin);
    // Never rejects: an unreachable robots.txt is a rule set of its own.
    void this.#robots.rulesFor(origin).then((loaded) => {
      this.#loading.delete(origin);
      this.#onLoaded(loaded);
    });
    return 'loading';
  }
}
