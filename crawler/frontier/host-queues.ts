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
  /** It is in the round robin: once at most, or a host would get two turns a round. */
  active: boolean;
}

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
 */
export class HostQueues {
  readonly #politeness: Politeness;
  readonly #hosts = new Map<string, Host>();
  /** Hosts with queued URLs, in round-robin order. */
  #active: Host[] = [];
  #turn = 0;
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
      host = { name, queue: [], head: 0, inFlight: 0, readyAt: 0, crawlDelayMs: 0, active: false };
      this.#hosts.set(name, host);
    }
    return host;
  }

  /** Queues a URL at the end of its host's queue. */
  push(entry: Entry): void {
    const host = entry.host;
    this.#activate(host);
    host.queue.push(entry);
    this.#queued++;
  }

  /** Puts a URL back at the head of its host's queue. */
  pushFront(entry: Entry): void {
    const host = entry.host;
    this.#activate(host);
    if (host.head === host.queue.length) {
      host.queue.length = 0;
      host.head = 0;
    }
    if (host.head > 0) host.queue[--host.head] = entry;
    else host.queue.unshift(entry);
    this.#queued++;
  }

  /**
   * Takes the next URL whose host has room, in round robin over hosts. A host whose head URL is
   * not `ready` (its robots.txt is on its way) is passed over. Undefined when no host can go.
   */
  take(now: number, ready: (entry: Entry) => boolean): Entry | undefined {
    let scanned = 0;
    while (scanned < this.#active.length) {
      if (this.#turn >= this.#active.length) this.#turn = 0;
      const host = this.#active[this.#turn]!;
      if (host.head === host.queue.length) {
        this.#active.splice(this.#turn, 1);
        host.active = false;
        host.queue.length = 0;
        host.head = 0;
        continue;
      }
      const entry = host.queue[host.head]!;
      if (host.inFlight >= this.#limitOf(host) || now < host.readyAt || !ready(entry)) {
        this.#turn++;
        scanned++;
        continue;
      }
      host.head++;
      this.#queued--;
      if (host.head >= 1024 && host.head * 2 >= host.queue.length) {
        host.queue.splice(0, host.head);
        host.head = 0;
      }
      this.#turn++;
      return entry;
    }
    return undefined;
  }

  /** Takes the queued entries that `remove` picks out of every host's queue, and returns them. */
  remove(remove: (entry: Entry) => boolean): Entry[] {
    const removed: Entry[] = [];
    for (const host of this.#active) {
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
  }

  /** A request to `host` ended with the host asking to be left alone for `ms`. */
  holdBack(host: Host, now: number, ms: number): void {
    host.inFlight--;
    host.readyAt = Math.max(host.readyAt, now + ms);
  }

  /** The host's robots.txt asks for this Crawl-delay. */
  setCrawlDelay(host: Host, ms: number): void {
    host.crawlDelayMs = Math.max(host.crawlDelayMs, ms);
  }

  /** The earliest time a host with queued URLs that waits for its delay may go again, or Infinity. */
  earliestReadyAt(now: number): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const host of this.#active) {
      if (host.head < host.queue.length && host.readyAt > now) earliest = Math.min(earliest, host.readyAt);
    }
    return earliest;
  }

  #activate(host: Host): void {
    if (host.active) return;
    host.active = true;
    this.#active.push(host);
  }

  #delayOf(host: Host): number {
    return Math.max(this.#politeness.perHostDelayMs, host.crawlDelayMs);
  }

  #limitOf(host: Host): number {
    return this.#delayOf(host) > 0 ? 1 : this.#politeness.perHostConcurrency;
  }
}
