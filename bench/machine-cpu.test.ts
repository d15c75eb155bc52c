import { describe, expect, it } from 'vitest';
import { coresBusy, cpuTimes } from './machine-cpu.js';

describe('machine CPU time', () => {
  it('reads busy and stolen time from /proc/stat text', () => {
    const stat = 'cpu  1000 50 300 9000 20 10 40 7 0 0\ncpu0 500 25 150 4500 10 5 20 3 0 0\n';
    expect(cpuTimes(stat)).toEqual({ busyS: 14, stealS: 0.07 });
    expect(cpuTimes('intr 1 2 3\n')).toBeNull();
  });

  it('turns two readings into average cores busy', () => {
    expect(coresBusy({ busyS: 10, stealS: 1 }, { busyS: 25, stealS: 2 }, 10)).toEqual({
      busy: 1.5,
      steal: 0.1,
    });
    expect(coresBusy(null, { busyS: 1, stealS: 0 }, 1)).toBeNull();
  });
});
