import type { StrategyName } from '../types.js';
import { asyncStrategy } from './async.js';
import { poolStrategy } from './pool-strategy.js';
import { serialStrategy } from './serial.js';
import type { Strategy } from './strategy.js';

/** The registry of strategies by name. */
export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  serial: serialStrategy,
  async: asyncStrategy,
  threads: poolStrategy('threads'),
  processes: poolStrategy('processes'),
};
