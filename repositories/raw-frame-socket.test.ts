import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawFrameAssembler } from './raw-frame-assembler.js';
import { RawFrameSocket, sweepOrphans } from './raw-frame-socket.js';

describe('socket folder sweep', () => {
  let parent: string | undefined;
  afterEach(() => {
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it("removes this host's folders of processes that are gone, and nothing else", () => {
    parent = mkdtempSync(join(tmpdir(), 'gridwatch-sweep-'));
    // A pid that was just in use and has exited.
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const names = [
      `gridwatch-frames-0badbeef-${gone}-AbC123`,
      `gridwatch-frames-0badbeef-${process.pid}-XyZ789`,
      // Another host's (or container's): its pids are not ours to judge.
      `gridwatch-frames-12345678-${gone}-AbC123`,
      'gridwatch-frames-0badbeef-notapid',
      'someone-else',
    ];
    for (const n of names) mkdirSync(join(parent, n));
    expect(sweepOrphans(parent, 'gridwatch-frames-0badbeef-')).toBe(1);
    expect(readdirSync(parent).sort()).toEqual(names.slice(1).sort());
  });
});

describe('RawFrameSocket', () => {
  it('gives up, saying why, on a socket path it cannot connect to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridwatch-socket-'));
    try {
      // A plain file where the socket should be: every connection is refused.
      writeFileSync(join(dir, 'rgb.sock'), '');
      let changes = 0;
      const socket = new RawFrameSocket({
        dir,
        assembler: new RawFrameAssembler(),
        maxQueued: 2,
        onChange: () => changes++,
        giveUpMs: 100,
      });
      socket.start();
      const t0 = performance.now();
      while (!socket.ended && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      expect(socket.ended).toBe(true);
      expect(socket.failure).toMatch(/cannot connect to ffmpeg's output socket .*rgb\.sock: ECONNREFUSED/);
      expect(changes).toBeGreaterThan(0);
      socket.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
