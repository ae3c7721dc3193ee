// CPU per hand-out of the frontier's host queues when N hosts wait (for their robots.txt) and one
// host can go: the frontier of a wide crawl while its robots.txt fetches are out. No network.
// Usage: npm run build && node test/measure/frontier-handout.mjs 100000
import { HostQueues } from '../../dist/crawler/frontier/host-queues.js';
const N = +process.argv[2],
  TAKES = 2000;
const q = new HostQueues({ perHostConcurrency: 2, perHostDelayMs: 0 });
const push = (name, n) => {
  const host = q.hostOf(new URL(`http://${name}.test/`));
  for (let k = 0; k < n; k++)
    q.push({
      url: `http://${name}.test/${k}`,
      host,
      depth: 0,
      referrer: null,
      line: 0,
      unscoped: false,
      attempts: 0,
    });
  return host;
};
for (let i = 0; i < N; i++) push(`w${i}`, 3);
const open = push('open', TAKES);
const ready = (e) => e.host === open;
const t0 = process.cpuUsage();
let handed = 0;
for (let i = 0; i < TAKES; i++) {
  const e = q.take(0, ready);
  if (!e) break;
  q.started(e.host);
  q.finished(e.host, 0);
  handed++;
}
const u = process.cpuUsage(t0);
console.log(
  `${N} hosts waiting: ${handed} hand-outs, ${((u.user + u.system) / handed).toFixed(2)} µs CPU per hand-out`,
);
