/**
 * Adapters from the ONNX detector and segmenter (detector/) to the pipeline's stage interfaces.
 * The models themselves, tiling and decoding stay in detector/; this only picks the options.
 */
import type { SegmentationLabel } from '../detector/canonical-labels.js';
import type { Detector } from '../detector/detector.js';
import type { ModelManifest } from '../detector/model-manifest.js';
import type { Segmenter } from '../detector/segmenter.js';
import type {
  FrameDetector,
  FrameSegmenter,
  ModelRef,
  SoilSummary,
  TrackStartScores,
} from './pipeline-types.js';

export interface DetectorStageOptions {
  /**
   * Tile frames wider than this many pixels (4K drone video), so small objects survive; default
   * never. Tiling multiplies inference per frame.
   */
  tileAboveWidth?: number;
}

export function modelRef(m: ModelManifest): ModelRef {
  return { name: m.name, version: m.version };
}

/** Per Gridwatch label, the lowest minScore among the model classes mapped to it. */
export function trackStartScores(m: ModelManifest): TrackStartScores {
  const out: Record<string, number> = {};
  m.classCanonical.forEach((canonical, i) => {
    if (canonical === null) return;
    const min = m.classMinScore[i]!;
    out[canonical] = Math.min(out[canonical] ?? min, min);
  });
  return out;
}

export function detectorStage(detector: Detector, opts: DetectorStageOptions = {}): FrameDetector {
  const tileAbove = opts.tileAboveWidth ?? Infinity;
  return {
    model: modelRef(detector.manifest),
    trackStartScores: trackStartScores(detector.manifest),
    detect: (frame) =>
      frame.image.width > tileAbove ? detector.detectTiled(frame.image) : detector.detect(frame.image),
  };
}

export interface SegmenterStageOptions {
  /** Bare-soil components smaller than this many pixels are dropped (noise); default 16. */
  minRegionPx?: number;
}

export function segmenterStage(segmenter: Segmenter, opts: SegmenterStageOptions = {}): FrameSegmenter {
  const minArea = opts.minRegionPx ?? 16;
  return {
    model: modelRef(segmenter.manifest),
    async segment(frame): Promise<SoilSummary> {
      const result = await segmenter.segment(frame.image);
      const shares: Partial<Record<SegmentationLabel, number>> = {};
      for (const c of result.classes) {
        if (c.canonical) {
          const label = c.canonical as SegmentationLabel;
          shares[label] = (shares[label] ?? 0) + c.share;
        }
      }
      return { regions: segmenter.regions(result, 'bare_soil', { minArea }), shares };
    },
  };
}
