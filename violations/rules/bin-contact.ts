import { intersectionArea } from '../../detector/box-geometry.js';
import type { BoxXYXY } from '../../detector/types.js';
import { steadyBox } from '../tracker/stationary.js';
import type { TrackState } from '../tracker/track-types.js';

/** Rubbish spilling from a bin often sits just beside it; a margin of a tenth of the bin counts as touching. */
const TOUCH_MARGIN = 0.1;

function grow(b: BoxXYXY, f: number): BoxXYXY {
  const m = f * Math.max(b[2] - b[0], b[3] - b[1]);
  return [b[0] - m, b[1] - m, b[2] + m, b[3] + m];
}

/** The live waste-bin track a pile touches, if any (lost bins too: the pile may hide them). */
export function touchedBin(pile: TrackState, tracks: readonly TrackState[]): TrackState | undefined {
  const box = steadyBox(pile);
  return tracks.find(
    (t) => t.label === 'waste_bin' && intersectionArea(box, grow(steadyBox(t), TOUCH_MARGIN)) > 0,
  );
}

/** Whether a pile touches any live waste-bin track. */
export function touchesBin(pile: TrackState, tracks: readonly TrackState[]): boolean {
  return touchedBin(pile, tracks) !== undefined;
}
