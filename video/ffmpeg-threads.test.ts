import { describe, expect, it } from 'vitest';
import { ffmpegThreadsFor } from './ffmpeg-threads.js';

describe('ffmpegThreadsFor', () => {
  it('gives frames under 0.4 megapixels one thread, whatever the cores', () => {
    expect(ffmpegThreadsFor({ width: 426, height: 240 }, 2)).toBe(1);
    expect(ffmpegThreadsFor({ width: 768, height: 432 }, 16)).toBe(1);
    expect(ffmpegThreadsFor({ width: 800, height: 499 }, 8)).toBe(1);
  });

  it('gives larger frames a thread per core, at most 16', () => {
    expect(ffmpegThreadsFor({ width: 800, height: 500 }, 2)).toBe(2);
    expect(ffmpegThreadsFor({ width: 1920, height: 1080 }, 2)).toBe(2);
    expect(ffmpegThreadsFor({ width: 3840, height: 2160 }, 64)).toBe(16);
    expect(ffmpegThreadsFor({ width: 1920, height: 1080 }, 1)).toBe(1);
  });
});
