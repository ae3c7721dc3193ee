// Entry file of a noise-probe thread: the crawler's own CPU work, as many rounds as asked, once per
// message.
import { parentPort } from 'node:worker_threads';
import { cpuWork } from '../crawler/cpu-work.js';

parentPort!.on('message', (rounds: number) => {
  cpuWork('crawlbench noise probe', rounds);
  parentPort!.postMessage('done');
});
