export {
  intrinsicsFromFov,
  intrinsicsFromFocal35,
  FULL_FRAME_DIAGONAL_MM,
  type CameraIntrinsics,
} from './camera-intrinsics.js';
export {
  groundSampleDistance,
  pixelToGround,
  type CameraPose,
  type GroundPoint,
} from './ground-projection.js';
export {
  EARTH_RADIUS_M,
  groundOffsetToLatLon,
  latLonToGroundOffset,
  haversineDistance,
  distanceM,
  wrapLongitude,
  type LatLon,
} from './geodesy.js';
export { polygonAreaM2, latLonPolygonAreaM2, pixelPolygonAreaM2 } from './polygon-area.js';
export { homographyFrom4Points, applyHomography, invertHomography, type Homography } from './homography.js';
export type { Point2 } from './geo-types.js';
