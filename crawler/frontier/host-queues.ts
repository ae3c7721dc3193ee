import TinyQueue from 'tinyqueue';
import Queue from 'yocto-queue';
import type { PageRecord } from '../types.js';

/** One URL waiting in the frontier. */
export interface Entry {
  readonly url: string;
  /** Its host, found when the URL was parsed (one parse per URL, not one per step). */
  readonly host: Host;
  readonly depth: number;
  readonly referrer: string | null;
  /** The list line of a seed; 0 for the others, which get theirs when requested. */
  readonly line: number;
  /** Scope not checked yet: found before every seed was known. */
  readonly unscoped: boolean;
  /** HTTP attempts made by earlier tries (a 429 or 503 with Retry-After sends a URL back). */
  readonly attempts: number;
  /** The record of the last try of a URL sent back: its record if the crawl ends before a retry. */
  readonly last?: PageRecord;
  /** Link checking: the URL is only checked (a link or a resource), not crawled. Absent: crawled. */
  readonly checkOnly?: 'link' | 'resource';
}

/** The URLs of one host (name, any port) and its politeness state. */
export interface Host {
  readonly name: string;
  readonly queue: Entry[];
  head: number;
  inFlight: number;
  /** No request starts before this `performance.now()` time. */
  readyAt: number;
  /** The largest Crawl-delay of its origins' robots.txt, in ms. */
  crawlDelayMs: number;
  /** Where the host is in the hand-out (see {@link HostQueues}); each host is in one place at most. */
  state: HostState;
}

/**
 * `idle`: nothing queued, or not yet looked at since it emptied. `turn`: in the round robin, to be
 * looked at. `full`: as many requests in flight as it may have; back in turn when one ends.
 * `delayed`: waiting for its delay, in the heap by `readyAt`. `blocked`: its next URL waits for
 * its origin's robots.txt; back in turn when rules arrive for the host or a URL is queued for it.
 */
export type HostState = 'idle' | 'turn' | 'full' | 'delayed' | 'blocked';

/** Politeness limits, per host name. */
export interface Politeness {
  /** Requests in flight per host at most. */
  readonly perHostConcurrency: number;
  /** Pause between one request to a host finishing and the next starting (0: none). */
  readonly perHostDelayMs: number;
}

/**
 * The queued URLs of a crawl level, one queue per host, and each host's politeness state. URLs are
 * taken in round robin over the hosts that have room: fewer requests in flight than the per-host
 * limit (one at a time when a delay applies) and their delay passed.
 *
 * A hand-out costs the same with ten hosts or a hundred thousand: only hosts in turn are looked at,
 * and a host that cannot go leaves the round robin until what stops it changes (a request of its
 * ends, its delay passes, its robots.txt arrives, a URL is queued for it). Hosts waiting for their
 * delay sit in a heap by the time they may go again. So each host is looked at once per such
 * change, not once per hand-out.
 */
export class HostQueues {
  readonly #politeness: Politeness;
  readonly #hosts = new Map<string, Host>();
  /** Hosts to look at, in round-robin order. */
  #turns = new Queue<Host>();
  /** Hosts waiting for their delay, soonest first; an entry whose host moved on is dropped. */
  readonly #delayed = new TinyQueue<DelayedHost>([], (a, b) => a.readyAt - b.readyAt);
  #queued = 0;

  constructor(politeness: Politeness) {
    this.#politeness = politeness;
  }

  /** URLs queued over every host. */
  get size(): number {
    return this.#queued;
  }

  /** The politeness state of a URL's host (its name: all ports share it). */
  hostOf(url: URL): Host {
    const name = url.hostname;
    let host = this.#hosts.get(name);
    if (!host) {
      host = { name, queue: [], head: 0, inFlight: 0, readyAt: 0, crawlDelayMs: 0, state: 'idle' };
      this.#hosts.set(name, host);
    }
    return host;
  }

  /** Queues a URL at the end of its host's queue. */
  push(entry: Entry): void {
    const host = entry.host;
    host.queue.push(entry);
    this.#queued++;
    this.#wake(host);
  }

  /** Puts a URL back at the head of its host's queue. */
  pushFront(entry: Entry): void {
    const host = entry.host;
    if (host.head === host.queue.length) {
      host.queue.length = 0;
      host.head = 0;
    }
    if (host.head > 0) host.queue[--host.head] = entry;
    else host.queue.unshift(entry);
    this.#queued++;
    this.#wake(host);
  }

  /**
   * Takes the next URL whose host has room, in round robin over hosts. A host whose head URL is
   * not `ready` (its robots.txt is on its way) is passed over until {@link HostQueues.unblock}.
   * Undefined when no host can go.
   */
  take(now: number, ready: (entry: Entry) => boolean): Entry | undefined {
    this.#release(now);
    for (let host = this.#turns.dequeue(); host !== undefined; host = this.#turns.dequeue()) {
      if (host.head === host.queue.length) {
        host.state = 'idle';
        host.queue.length = 0;
        host.head = 0;
        continue;
      }
      if (host.inFlight >= this.#limitOf(host)) {
        host.state = 'full';
        continue;
      }
      if (now < host.readyAt) {
        host.state = 'delayed';
        this.#delayed.push({ host, readyAt: host.readyAt });
        continue;
      }
      const entry = host.queue[host.head]!;
      if (!ready(entry)) {
        host.state = 'blocked';
        continue;
      }
      host.head++;
      this.#queued--;
      if (host.head >= 1024 && host.head * 2 >= host.queue.length) {
        host.queue.splice(0, host.head);
        host.head = 0;
      }
      // To the back of the round robin: looked at again after every other host in turn.
      this.#turns.enqueue(host);
      return entry;
    }
    return undefined;
  }

  /** Takes the queued entries that `remove` picks out of every host's queue, and returns them. */
  remove(remove: (entry: Entry) => boolean): Entry[] {
    const removed: Entry[] = [];
    for (const host of this.#hosts.values()) {
      if (host.head === host.queue.length) continue;
      const rest: Entry[] = [];
      for (let i = host.head; i < host.queue.length; i++) {
        const entry = host.queue[i]!;
        (remove(entry) ? removed : rest).push(entry);
      }
      host.queue.length = 0;
      host.queue.push(...rest);
      host.head = 0;
    }
    this.#queued -= removed.length;
    return removed;
  }

  /** A request to `host` starts. */
  started(host: Host): void {
    host.inFlight++;
  }

  /** A request to `host` ended: its slot is free once the host's delay has passed. */
  finished(host: Host, now: number): void {
    host.inFlight--;
    const delay = this.#delayOf(host);
    if (delay > 0) host.readyAt = Math.max(host.readyAt, now + delay);
    this.#freed(host);
  }

  /** A request to `host` ended with the host asking to be left alone for `ms`. */
  holdBack(host: Host, now: number, ms: number): void {
    host.inFlight--;
    host.readyAt = Math.max(host.readyAt, now + ms);
    this.#freed(host);
  }

  /** The host's robots.txt asks for this Crawl-delay. */
  setCrawlDelay(host: Host, ms: number): void {
    host.crawlDelayMs = Math.max(host.crawlDelayMs, ms);
  }

  /** Rules arrived for one of the host's origins: a host blocked on them takes its turn again. */
  unblock(host: Host): void {
    if (host.state === 'blocked') this.#enterTurn(host);
  }

  /** The earliest time a host with queued URLs that waits for its delay may go again, or Infinity. */
  earliestReadyAt(now: number): number {
    this.#release(now);
    return this.#delayed.peek()?.readyAt ?? Number.POSITIVE_INFINITY;
  }

  /** Hosts whose delay has passed by `now` take their turn again; stale heap entries go. */
  #release(now: number): void {
    for (let top = this.#delayed.peek(); top !== undefined; top = this.#delayed.peek()) {
      const current = top.host.state === 'delayed' && top.host.readyAt === top.readyAt;
      if (current && top.readyAt > now) return;
      this.#delayed.pop();
      if (current) this.#enterTurn(top.host);
    }
  }

  /** A URL was queued for `host`: an idle or blocked one is looked at again. */
  #wake(host: Host): void {
    if (host.state === 'idle' || host.state === 'blocked') this.#enterTurn(host);
  }

  /** A request of `host` ended: a full host has a slot again; a delayed one may wait longer now. */
  #freed(host: Host): void {
    if (host.state === 'full') this.#enterTurn(host);
    // Its heap entry keeps the old time and is dropped as stale: the host goes in again.
    else if (host.state === 'delayed') this.#delayed.push({ host, readyAt: host.readyAt });
  }

  #enterTurn(host: Host): void {
    host.state = 'turn';
    this.#turns.enqueue(host);
  }

  #delayOf(host: Host): number {
    return Math.max(this.#politeness.perHostDelayMs, host.crawlDelayMs);
  }

  #limitOf(host: Host): number {
    return this.#delayOf(host) > 0 ? 1 : this.#politeness.perHostConcurrency;
  }
}

/** A host in the delay heap, keyed by the `readyAt` it had when it went in. */
interface DelayedHost {
  readonly host: Host;
  readonly readyAt: number;
}
