import { ModelError } from '../../common/errors.js';
import type { RawModelManifest } from '../model-manifest-schema.js';
import type { DetectionDecoder } from '../types.js';
import { createEndToEndDecoder } from './end-to-end.js';
import { createFastestdetDecoder } from './fastestdet.js';
import { createNanodetDecoder } from './nanodet.js';
import { createYoloV5Decoder, createYoloV8Decoder } from './ultralytics.js';
import { createYoloxDecoder } from './yolox.js';

type OutputSpec = RawModelManifest['output'];

const factories: Record<string, (o: OutputSpec) => DetectionDecoder> = {
  yolox: (o) => createYoloxDecoder({ outputName: o.outputName, strides: o.strides }),
  nanodet: (o) => createNanodetDecoder({ strides: o.strides, regMax: o.regMax }),
  fastestdet: (o) => createFastestdetDecoder({ outputName: o.outputName }),
  yolov8: (o) => createYoloV8Decoder({ outputName: o.outputName }),
  yolov5: (o) => createYoloV5Decoder({ outputName: o.outputName }),
  'end-to-end': (o) =>
    createEndToEndDecoder({
      outputName: o.outputName,
      countOutputName: o.countOutputName,
      boxFormat: o.boxFormat,
      normalized: o.normalized,
    }),
};

export const DETECTION_DECODER_NAMES = Object.keys(factories);

export function createDetectionDecoder(output: OutputSpec): DetectionDecoder {
  const factory = factories[output.decoder];
  if (!factory) {
    throw new ModelError(
      `unknown detection decoder '${output.decoder}' (known: ${DETECTION_DECODER_NAMES.join(', ')})`,
    );
  }
  return factory(output);
}
