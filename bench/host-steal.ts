import { readFileSync } from 'node:fs';

/**
 * Linux reports /proc/stat in USER_HZ ticks, which the kernel fixes at 100 per second for user
 * space on every architecture Node runs on.
 */
const MS_PER_TICK = 10;

/**
 * Steal time of the whole machine so far, in ms summed over its cores: CPU time a hypervisor gave
 * to other guests while this one had work ready (the 8th figure of /proc/stat's `cpu` line). On a
 * shared virtual machine it is how a bench tells the host slowing it from the code being slower.
 * null where it cannot be read (not Linux, or a kernel without the figure).
 */
export function readHostStealMs(
  read: () => string = () => readFileSync('/proc/stat', 'latin1'),
): number | null {
  let text: string;
  try {
    text = read();
  } catch {
    return null;
  }
  const line = text.split('\n', 1)[0] ?? '';
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 9) return null;
  const ticks = Number(fields[8]);
  return Number.isSafeInteger(ticks) && ticks >= 0 ? ticks * MS_PER_TICK : null;
}
