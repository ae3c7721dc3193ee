// The frontier's per-host queues on their own: politeness, round robin, and a hand-out whose cost
// does not grow with the number of hosts waiting. Work is counted (hosts looked at), not timed.
import { describe, expect, it } from 'vitest';
import { type Entry, HostQueues } from '../dist/crawler/frontier/host-queues.js';

function queues(perHostConcurrency: number, perHostDelayMs = 0): HostQueues {
  return new HostQueues({ perHostConcurrency, perHostDelayMs });
}

function fill(q: HostQueues, hosts: number, perHost: number, name = 'h'): void {
  for (let i = 0; i < hosts; i++) {
    const host = q.hostOf(new URL(`http://${name}${i}.test/`));
    for (let k = 0; k < perHost; k++) {
      q.push({
        url: `http://${name}${i}.test/${k}`,
        host,
        depth: 0,
        referrer: null,
        line: 0,
        unscoped: false,
        attempts: 0,
      });
    }
  }
}

const always = (): boolean => true;

describe('HostQueues', () => {
  it('hands out in round robin over hosts, never more than the per-host limit at once', () => {
    const q = queues(2);
    fill(q, 3, 4);
    const order: string[] = [];
    const taken: Entry[] = [];
    for (let e = q.take(0, always); e !== undefined; e = q.take(0, always)) {
      q.started(e.host);
      taken.push(e);
      order.push(e.url.replace('http://', '').replace('.test', ''));
    }
    // Two rounds over three hosts, then every host is full.
    expect(order).toEqual(['h0/0', 'h1/0', 'h2/0', 'h0/1', 'h1/1', 'h2/1']);
    // A request of h1 ends: h1, and only h1, may go again.
    q.finished(taken[1]!.host, 0);
    const again = q.take(0, always)!;
    expect(again.url).toBe('http://h1.test/2');
    q.started(again.host);
    expect(q.take(0, always)).toBeUndefined();
    expect(q.size).toBe(5);
  });

  it('waits out each host’s delay, and says when the next one may go', () => {
    const q = queues(4, 100);
    fill(q, 2, 2);
    const a = q.take(0, always)!;
    const b = q.take(0, always)!;
    q.started(a.host);
    q.started(b.host);
    // With a delay, one request at a time per host.
    expect(q.take(0, always)).toBeUndefined();
    q.finished(a.host, 10);
    q.finished(b.host, 30);
    expect(q.take(50, always)).toBeUndefined();
    expect(q.earliestReadyAt(50)).toBe(110);
    expect(q.take(110, always)?.url).toBe('http://h0.test/1');
    expect(q.earliestReadyAt(110)).toBe(130);
    expect(q.take(129, always)).toBeUndefined();
    expect(q.take(130, always)?.url).toBe('http://h1.test/1');
    expect(q.earliestReadyAt(130)).toBe(Number.POSITIVE_INFINITY);
  });

  it('a host held back while it waits for its delay waits for the later time', () => {
    const q = queues(2, 100);
    fill(q, 1, 3);
    const host = q.take(0, always)!.host;
    q.started(host);
    q.finished(host, 0); // may go at 100
    expect(q.take(50, always)).toBeUndefined(); // looked at: delayed until 100
    // A second request of it (sent before, say) comes back with Retry-After: 500 ms.
    q.started(host);
    q.holdBack(host, 60, 500);
    expect(q.take(100, always)).toBeUndefined();
    expect(q.earliestReadyAt(100)).toBe(560);
    expect(q.take(560, always)?.url).toBe('http://h0.test/1');
  });

  it('a host waiting for robots.txt is passed over until its rules arrive, or a URL is queued for it', () => {
    const q = queues(2);
    fill(q, 2, 2);
    const loading = new Set(['h0.test']);
    const ready = (e: Entry): boolean => !loading.has(e.host.name);
    expect(q.take(0, ready)?.url).toBe('http://h1.test/0');
    expect(q.take(0, ready)?.url).toBe('http://h1.test/1');
    expect(q.take(0, ready)).toBeUndefined();
    loading.delete('h0.test');
    // Nothing says h0 may go yet: it is not looked at again.
    expect(q.take(0, ready)).toBeUndefined();
    q.unblock(q.hostOf(new URL('http://h0.test:8080/')));
    expect(q.take(0, ready)?.url).toBe('http://h0.test/0');
  });

  it('takes what `remove` picks from every host, whatever state the host is in', () => {
    const q = queues(1, 100);
    fill(q, 3, 3);
    const e = q.take(0, always)!;
    q.started(e.host);
    const removed = q.remove((entry) => entry.url.endsWith('/2'));
    expect(removed.map((r) => r.url).sort()).toEqual([
      'http://h0.test/2',
      'http://h1.test/2',
      'http://h2.test/2',
    ]);
    expect(q.size).toBe(5);
    const rest: string[] = [];
    let now = 0;
    q.finished(e.host, 0);
    while (q.size > 0 && now < 10_000) {
      const next = q.take(now, always);
      if (next === undefined) {
        now = q.earliestReadyAt(now);
        continue;
      }
      q.started(next.host);
      q.finished(next.host, now);
      rest.push(next.url);
    }
    expect(rest.sort()).toEqual([
      'http://h0.test/1',
      'http://h1.test/0',
      'http://h1.test/1',
      'http://h2.test/0',
      'http://h2.test/1',
    ]);
  });

  it('looks at each waiting host once per change, not once per hand-out: 20,000 hosts blocked, one ready', () => {
    const q = queues(2);
    fill(q, 20_000, 1, 'blocked');
    fill(q, 1, 1000, 'open');
    let looked = 0;
    const ready = (e: Entry): boolean => {
      looked++;
      return e.host.name === 'open0.test';
    };
    let handed = 0;
    for (let i = 0; i < 1000; i++) {
      const e = q.take(i, ready);
      if (e === undefined) break;
      q.started(e.host);
      q.finished(e.host, i);
      handed++;
    }
    expect(handed).toBe(1000);
    // Scanning every host per hand-out would look 20 million times.
    expect(looked).toBeLessThan(20_000 + 3 * 1000);
  });

  it('20,000 hosts with a Crawl-delay: every URL goes out once, each after its host’s delay', () => {
    const q = queues(2, 1000);
    fill(q, 20_000, 2);
    const last = new Map<string, number>();
    let early = 0;
    let now = 0;
    let handed = 0;
    while (handed < 40_000 && now < 10_000) {
      const e = q.take(now, always);
      if (e === undefined) {
        now = q.earliestReadyAt(now);
        continue;
      }
      const before = last.get(e.host.name);
      // (a float tolerance: the clock steps by 0.01 ms)
      if (before !== undefined && now - before < 1000 - 1e-6) early++;
      last.set(e.host.name, now);
      q.started(e.host);
      q.finished(e.host, now);
      handed++;
      now += 0.01;
    }
    expect(handed).toBe(40_000);
    expect(early).toBe(0);
    expect(q.size).toBe(0);
  });
});
