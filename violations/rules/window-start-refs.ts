import type { FrameRef } from '../violation-types.js';

interface Entry {
  since: number;
  ref: FrameRef;
}

/**
 * When enforcement hours begin while an object is already there, the dwell clock starts at the
 * window, and the "start" photo should be the first frame inside it, not one from before.
 */
export class WindowStartRefs {
  private entries: Record<string, Entry> = {};

  /** The remembered first in-window frame for `key`, recording `ref` if this window is new. */
  refFor(key: string, since: number, ref: FrameRef): FrameRef {
    const e = this.entries[key];
    if (e && e.since === since) return e.ref;
    this.entries[key] = { since, ref };
    return ref;
  }

  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of Object.keys(this.entries)) if (!keys.has(k)) delete this.entries[k];
  }

  clear(): void {
    this.entries = {};
  }

  snapshot(): Record<string, Entry> {
    return structuredClone(this.entries);
  }

  restore(s: Record<string, Entry> | undefined): void {
    this.entries = s && typeof s === 'object' ? structuredClone(s) : {};
  }
}
