import { readFileSync } from 'node:fs';

/** One reading of the CPU two groups of processes had used so far, in epoch ms. */
export interface CpuReading {
  readonly at: number;
  /** CPU ms of the crawler: a process and all its descendants. */
  readonly crawlerMs: number;
  /** CPU ms of the fixture site's process. */
  readonly siteMs: number;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux everywhere in practice). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process (all its threads), in ms, or null when it is gone or /proc is not there. */
function cpuMsOf(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command may hold spaces and parentheses: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}

/** A process and its descendants, from /proc (children of its main thread: where Node forks them). */
function withDescendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0 && out.length < 1000) {
    const next = stack.pop()!;
    out.push(next);
    try {
      for (const child of readFileSync(`/proc/${next}/task/${next}/children`, 'latin1').split(' ')) {
        if (child.trim() !== '') stack.push(Number(child));
      }
    } catch {
      // Gone, or no /proc: what was found is what there is.
    }
  }
  return out;
}

/**
 * Samples, every `intervalMs`, the CPU used by the crawler (a runner process with its pool's
 * threads and children) and by the fixture site, for the cores-in-use chart. Reads /proc (Linux);
 * elsewhere it samples nothing. Cheap on purpose: a few small files per sample, from the bench's
 * own process, which takes no part in the crawl.
 */
export function startCpuSampler(
  crawlerPid: number | undefined,
  sitePid: number | undefined,
  intervalMs: number,
  maxSamples: number,
): { stop(): CpuReading[] } {
  const readings: CpuReading[] = [];
  const read = (): void => {
    if (readings.length >= maxSamples || crawlerPid === undefined) return;
    let crawlerMs = 0;
    for (const pid of withDescendants(crawlerPid)) crawlerMs += cpuMsOf(pid) ?? 0;
    const siteMs = sitePid === undefined ? 0 : (cpuMsOf(sitePid) ?? 0);
    readings.push({ at: performance.timeOrigin + performance.now(), crawlerMs, siteMs });
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return readings;
    },
  };
}
