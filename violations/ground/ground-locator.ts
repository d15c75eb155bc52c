import {
  applyHomography,
  groundOffsetToLatLon,
  homographyFrom4Points,
  latLonToGroundOffset,
  pixelToGround,
  type CameraIntrinsics,
  type CameraPose,
  type Homography,
  type LatLon,
} from '../../video/geo/index.js';
import type { SourceConfig } from '../config/source-config.js';

/** Where a drone camera was and how it images, for the frame being processed. */
export interface DronePose {
  camera: CameraPose;
  /** For the telemetry's image size; pixels are rescaled when the frame was resized. */
  intrinsics: CameraIntrinsics;
}

export function isUsablePose(pose: DronePose | undefined): pose is DronePose {
  if (!pose || typeof pose !== 'object') return false;
  const c = pose.camera;
  const k = pose.intrinsics;
  if (!c || !k) return false;
  return (
    [c.lat, c.lon, c.heightM, c.headingDeg, c.pitchDeg, k.fx, k.fy, k.cx, k.cy, k.width, k.height].every(
      Number.isFinite,
    ) &&
    Math.abs(c.lat) <= 90 &&
    c.heightM > 0 &&
    k.fx > 0 &&
    k.fy > 0 &&
    k.width > 0 &&
    k.height > 0
  );
}

/** Scales frame pixels into the pixel grid the intrinsics describe. */
export function toIntrinsicsPixels(
  u: number,
  v: number,
  width: number,
  height: number,
  k: CameraIntrinsics,
): [number, number] {
  return [(u * k.width) / width, (v * k.height) / height];
}

/**
 * Ground position of an image point: the drone's pose when there is one, else the camera's
 * calibration homography, else the camera's own position (the best a bare camera can say).
 */
export class GroundLocator {
  private readonly homography: Homography | null = null;
  private readonly origin: LatLon | null = null;

  constructor(private readonly config: SourceConfig) {
    const cal = config.calibration;
    if (cal) {
      const origin = cal.ground[0]!;
      this.origin = origin;
      this.homography = homographyFrom4Points(
        cal.image.map(([x, y]) => ({ x, y })),
        cal.ground.map((g) => {
          const o = latLonToGroundOffset(origin, g);
          return { x: o.eastM, y: o.northM };
        }),
      );
    }
  }

  get calibrated(): boolean {
    return this.homography !== null;
  }

  /** Local metres (east, north) from the calibration origin for a normalised image point. */
  imageToCalibratedMetres(xn: number, yn: number): [number, number] | null {
    if (!this.homography) return null;
    const p = applyHomography(this.homography, xn, yn);
    return p ? [p.x, p.y] : null;
  }

  locate(u: number, v: number, width: number, height: number, pose?: DronePose): LatLon | undefined {
    if (isUsablePose(pose)) {
      const [pu, pv] = toIntrinsicsPixels(u, v, width, height, pose.intrinsics);
      const g = pixelToGround(pu, pv, pose.camera, pose.intrinsics);
      return g ? { lat: g.lat, lon: g.lon } : undefined;
    }
    if (this.homography && this.origin) {
      const m = this.imageToCalibratedMetres(u / width, v / height);
      if (m) return groundOffsetToLatLon(this.origin.lat, this.origin.lon, m[0], m[1]);
    }
    return this.config.position ? { ...this.config.position } : undefined;
  }
}
