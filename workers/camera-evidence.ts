/**
 * Evidence for live-camera cases. A camera's frames are gone once analysed, so the analysed ones
 * are kept as JPEGs in a ring buffer long enough to reach back to a violation's start (the
 * longest dwell threshold plus slack); when a case is created, its annotated frames, crop and
 * clip are rendered from that buffer by the same EvidenceService the flight jobs use.
 *
 * A worker that takes a camera over starts with an empty buffer: a case it opens for a dwell that
 * began before the takeover gets the frames it still has, and the missing kinds are logged.
 */
import type { EvidenceRenderResult, EvidenceService, EvidenceSource } from '../evidence/evidence-service.js';
import { RingBufferFrameProvider } from '../evidence/frame-provider.js';
import { FrameRingBuffer } from '../evidence/frame-ring-buffer.js';
import type { PipelineEvent, PipelineLogger } from '../pipeline/pipeline-types.js';
import { encodeJpeg, type RawImage } from '../repositories/media-repository.js';

export interface CameraEvidenceOptions {
  /** How far back frames are kept, seconds; default 600 (the vendor rule's 300 s and then some). */
  keepS?: number;
  /** Memory bound per camera; default 48 MiB. */
  maxBytes?: number;
  /** JPEG quality of buffered frames; default 85. */
  quality?: number;
  /** Largest distance between a frame the violation names and the buffered frame used, seconds. */
  maxGapS?: number;
}

export class CameraEvidenceRecorder {
  private readonly ring: FrameRingBuffer;
  private readonly provider: RingBufferFrameProvider;
  private readonly quality: number;

  constructor(
    private readonly evidence: Pick<EvidenceService, 'renderForViolation'>,
    private readonly source: EvidenceSource,
    private readonly logger: PipelineLogger,
    opts: CameraEvidenceOptions = {},
  ) {
    const keepS = opts.keepS ?? 600;
    this.ring = new FrameRingBuffer({
      // Analysed frames come at most at the sampling rate; 2/s leaves room for any sane setting.
      capacity: Math.ceil(keepS * 2),
      maxBytes: opts.maxBytes ?? 48 * 1024 * 1024,
      maxAgeS: keepS,
    });
    this.quality = opts.quality ?? 85;
    this.provider = new RingBufferFrameProvider(this.ring, { maxGapS: opts.maxGapS ?? 2 });
  }

  /** Frames buffered and their bytes (for status and tests). */
  get buffered(): { frames: number; bytes: number } {
    return { frames: this.ring.size, bytes: this.ring.bytes };
  }

  /** Keeps an analysed frame, stamped with the engine's pts. */
  async record(image: RawImage, ptsS: number, wallClockMs: number): Promise<void> {
    const jpeg = await encodeJpeg(image, this.quality);
    this.ring.push({ ptsS, jpeg, wallClockMs });
  }

  /**
   * Renders the evidence of a newly created case. Never throws: a case without (all of) its
   * evidence is still a case a reviewer can look at, and the camera must keep running.
   */
  async renderFor(caseId: string, event: PipelineEvent): Promise<EvidenceRenderResult | null> {
    try {
      const result = await this.evidence.renderForViolation(
        caseId,
        event.violation,
        this.source,
        this.provider,
      );
      for (const s of result.skipped) {
        this.logger.warn(`camera ${this.source.id}: case ${caseId} has no ${s.kind} evidence: ${s.reason}`);
      }
      return result;
    } catch (err) {
      this.logger.warn(
        `camera ${this.source.id}: evidence for case ${caseId} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return null;
    }
  }
}
