export { parseDjiSrt, type ParseDjiSrtOptions } from './dji-srt-parser.js';
export { readDjiSrtFile, decodeSrtBytes } from './read-dji-srt.js';
export { interpolateTelemetry, type InterpolateOptions } from './interpolate-telemetry.js';
export type { TelemetryRecord, TelemetryTrack, TelemetryDialect } from './telemetry-types.js';
