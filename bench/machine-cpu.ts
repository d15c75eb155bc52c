/**
 * Machine-wide CPU time from /proc/stat (Linux), so a benchmark can say how many cores a run kept
 * busy: when one worker process already keeps most of the cores busy, no second one can double
 * the throughput, and the figures show whether scaling or the machine ran out.
 */
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  /** Seconds of CPU spent working (user, nice, system, irq, softirq), all cores summed. */
  busyS: number;
  /** Seconds the hypervisor gave this machine's cores to someone else. */
  stealS: number;
}

// USER_HZ: 100 on every Linux architecture Node runs on.
const TICKS_PER_S = 100;

/** The `cpu` line's fields; null where /proc/stat cannot be read (not Linux). */
export function cpuTimes(stat?: string): CpuTimes | null {
  let text = stat;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/stat', 'utf8');
    } catch {
      return null;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busyS: (user + nice + system + irq + softirq) / TICKS_PER_S, stealS: steal / TICKS_PER_S };
}

/** Average cores working, and stolen, over a run. */
export interface CoreUse {
  busy: number;
  steal: number;
}

/** Average cores busy, and stolen, between two readings `seconds` apart. */
export function coresBusy(before: CpuTimes | null, after: CpuTimes | null, seconds: number): CoreUse | null {
  if (!before || !after || seconds <= 0) return null;
  return { busy: (after.busyS - before.busyS) / seconds, steal: (after.stealS - before.stealS) / seconds };
}
