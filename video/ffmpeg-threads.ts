/**
 * How many threads ffmpeg gets for one file, for its decoder and for its filters alike. Its
 * defaults (frame threads = cores + 1, a slice thread per core in scaling and RGB conversion)
 * suit a decode that has the machine to itself. A frame source shares it with the reader moving
 * every pixel into JS (and, in the pipeline, with the detector): a frame under ~0.4 megapixels
 * decodes and converts in well under a millisecond, so handing it between threads costs more than
 * the parallel work gains, and the core is better left to the reader. Larger frames get one
 * thread per core, not one more.
 *
 * Measured on the 2-core machine, source frames/s ÷ plain `ffmpeg -f null` (default threads),
 * medians of 6–12 interleaved runs (2026-11-24). Decoder threads alone:
 *
 * | frames                | ffmpeg default | 1 thread    | 2 threads |
 * |-----------------------|----------------|-------------|-----------|
 * | 426×240, 2 frames/s   | 0.86–0.95      | 0.95–1.17   | 0.89–0.97 |
 * | 768×432, 1 frame/s    | 0.88–0.89      | 0.92–0.97   | 0.86–0.90 |
 * | 960×540, 1 frame/s    | 0.91           | 0.90        | 1.02      |
 * | 1280×720, 1 frame/s   | 0.88           | 0.82        | 0.97      |
 * | 1920×1080 H.264, 1/s  | 0.96           | 0.73        | 1.02      |
 * | 1920×1080 H.265, 1/s  | 0.94           | 0.69        | 0.90      |
 *
 * One filter thread as well, with one decoder thread: 640×360 from 768×432 at 5 frames/s 0.83 →
 * 0.90; 426×240 at every frame 0.73 → 0.80; 320×180 at 10 frames/s 0.93 → 0.99. ffmpeg converting
 * 768×432 to RGB24 and delivering nothing: 398–445 ms with one filter thread, 435–475 ms with two.
 */

/** Below this many coded pixels per frame, one thread. */
const SINGLE_THREAD_MAX_PIXELS = 400_000;

/** ffmpeg's H.264/HEVC decoders use at most 16 frame threads. */
const MAX_THREADS = 16;

export function ffmpegThreadsFor(frame: { width: number; height: number }, cores: number): number {
  if (frame.width * frame.height < SINGLE_THREAD_MAX_PIXELS) return 1;
  return Math.min(MAX_THREADS, Math.max(1, Math.floor(cores)));
}
