import { InvalidInputError } from '../../common/errors.js';

/**
 * Pinhole intrinsics in pixels. Pixel coordinates are continuous: the image spans [0, width] ×
 * [0, height], so the principal point of an undistorted camera is the exact centre.
 */
export interface CameraIntrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** Diagonal of a 36 × 24 mm frame, which is what "35 mm equivalent" focal lengths are scaled to. */
export const FULL_FRAME_DIAGONAL_MM = 43.27;

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height))) {
    throw new InvalidInputError(`camera image size must be positive, got ${width}×${height}`);
  }
}

function square(width: number, height: number, f: number): CameraIntrinsics {
  return { fx: f, fy: f, cx: width / 2, cy: height / 2, width, height };
}

/** f = (W/2) / tan(HFOV/2). */
export function intrinsicsFromFov(width: number, height: number, hfovDeg: number): CameraIntrinsics {
  checkSize(width, height);
  if (!(hfovDeg > 0 && hfovDeg < 180)) {
    throw new InvalidInputError(`horizontal field of view must be in (0°, 180°), got ${hfovDeg}`);
  }
  return square(width, height, width / 2 / Math.tan((hfovDeg * Math.PI) / 360));
}

/**
 * f ≈ f_eq · √(W² + H²) / 43.27: the equivalent focal length is defined on the diagonal, so this
 * holds for any aspect ratio (a 16:9 crop of a 4:3 sensor included, if f_eq refers to that crop).
 */
export function intrinsicsFromFocal35(width: number, height: number, focal35mm: number): CameraIntrinsics {
  checkSize(width, height);
  if (!(focal35mm > 0 && Number.isFinite(focal35mm))) {
    throw new InvalidInputError(`35 mm-equivalent focal length must be positive, got ${focal35mm}`);
  }
  return square(width, height, (focal35mm * Math.hypot(width, height)) / FULL_FRAME_DIAGONAL_MM);
}
