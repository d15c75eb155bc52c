import { InvalidInputError } from '../../common/errors.js';
import type { CameraIntrinsics } from './camera-intrinsics.js';
import { groundOffsetToLatLon } from './geodesy.js';

export interface CameraPose {
  lat: number;
  lon: number;
  /**
   * Camera height above the ground plane being measured. DJI `rel_alt`/`H` is above the take-off
   * point, so it equals this only where the ground is level with the take-off point.
   */
  heightM: number;
  /** Clockwise from north: the direction the camera looks, i.e. gimbal yaw. */
  headingDeg: number;
  /** Gimbal pitch: 0 = horizon, -90 = straight down. */
  pitchDeg: number;
}

export interface GroundPoint {
  lat: number;
  lon: number;
  /** Offsets from the point under the camera. */
  eastM: number;
  northM: number;
}

const RAD = Math.PI / 180;

/** Metres per pixel looking straight down: GSD = h / f. */
export function groundSampleDistance(heightM: number, f: number): number {
  if (!(heightM > 0) || !(f > 0) || !Number.isFinite(heightM) || !Number.isFinite(f)) {
    throw new InvalidInputError(
      `ground sample distance needs positive height and focal length, got ${heightM}, ${f}`,
    );
  }
  return heightM / f;
}

/**
 * Where the ray through pixel (u, v) meets flat ground (pinhole, roll and distortion ignored, as
 * the brief's formulas). Null when the ray never reaches the ground in front of the camera (at or
 * above the horizon), since no finite point exists.
 */
export function pixelToGround(
  u: number,
  v: number,
  pose: CameraPose,
  K: CameraIntrinsics,
): GroundPoint | null {
  const { heightM, headingDeg, pitchDeg } = pose;
  if (![u, v, heightM, headingDeg, pitchDeg].every(Number.isFinite)) {
    throw new InvalidInputError(
      `pixelToGround: non-finite input (u=${u}, v=${v}, pose=${JSON.stringify(pose)})`,
    );
  }
  const xn = (u - K.cx) / K.fx;
  const yn = (v - K.cy) / K.fy;
  const depression = -pitchDeg * RAD;
  const cosD = Math.cos(depression);
  const sinD = Math.sin(depression);
  const denom = yn * cosD + sinD;
  if (!(denom > 0) || !(heightM > 0)) return null;
  const t = heightM / denom;

  const right = t * xn;
  const forward = t * (cosD - yn * sinD);
  const psi = headingDeg * RAD;
  const eastM = right * Math.cos(psi) + forward * Math.sin(psi);
  const northM = -right * Math.sin(psi) + forward * Math.cos(psi);
  const { lat, lon } = groundOffsetToLatLon(pose.lat, pose.lon, eastM, northM);
  return { lat, lon, eastM, northM };
}
