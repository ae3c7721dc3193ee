import type { CrawlStrategyName } from '../../crawler/types.js';
import { CRAWL_STRATEGY_NAMES } from '../../crawler/types.js';

/**
 * The CSS class that colours a strategy's marks (`s-async`); `s-other` for a name this version
 * does not know. A class, never the raw name, so a result file cannot choose the markup.
 */
export function strategyClass(strategy: string): string {
  return (CRAWL_STRATEGY_NAMES as readonly string[]).includes(strategy) ? `s-${strategy}` : 's-other';
}

/** What one lane of a strategy is: async runs slots, the pools run workers, serial one thread. */
export function laneNoun(strategy: CrawlStrategyName, plural: boolean): string {
  if (strategy === 'serial') return plural ? 'threads' : 'main thread';
  if (strategy === 'async') return plural ? 'slots' : 'slot';
  return plural ? 'workers' : 'worker';
}

/** The label of lane `lane` (0-based): `slot 3`, `worker 1`, `main thread`. */
export function laneName(strategy: CrawlStrategyName, lane: number, lanes: number): string {
  if (strategy === 'serial' && lanes === 1) return 'main thread';
  return `${laneNoun(strategy, false)} ${lane + 1}`;
}

/** `8 slots`, `2 workers`, `the main thread`. */
export function lanesPhrase(strategy: CrawlStrategyName, lanes: number): string {
  if (strategy === 'serial' && lanes === 1) return 'the main thread';
  return `${lanes} ${laneNoun(strategy, lanes !== 1)}`;
}
