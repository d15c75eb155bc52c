import { Type, type Static } from '@sinclair/typebox';

const Rgb = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);

export const DETECTION_DECODERS = [
  'yolox',
  'nanodet',
  'fastestdet',
  'yolov8',
  'yolov5',
  'end-to-end',
] as const;
export const SEGMENTATION_DECODERS = ['segmentation'] as const;
export const ALL_DECODERS = [...DETECTION_DECODERS, ...SEGMENTATION_DECODERS] as const;
export type DecoderName = (typeof ALL_DECODERS)[number];

export const ManifestInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Input tensor name in the ONNX graph' }),
    width: Type.Integer({ minimum: 8, maximum: 8192 }),
    height: Type.Integer({ minimum: 8, maximum: 8192 }),
    channelOrder: Type.Union([Type.Literal('rgb'), Type.Literal('bgr')]),
    resize: Type.Union([Type.Literal('letterbox'), Type.Literal('stretch')]),
    letterboxAnchor: Type.Optional(Type.Union([Type.Literal('center'), Type.Literal('top-left')])),
    padValue: Type.Optional(Type.Number({ minimum: 0, maximum: 255, description: 'Pad pixel value, 0-255' })),
    scale: Type.Optional(Type.Number({ description: 'Pixel (0-255) is multiplied by this before mean/std' })),
    mean: Type.Optional(Rgb),
    std: Type.Optional(Rgb),
  },
  { additionalProperties: false },
);

export const ManifestOutputSchema = Type.Object(
  {
    decoder: Type.String({ description: `One of: ${ALL_DECODERS.join(', ')}` }),
    outputName: Type.Optional(Type.String()),
    countOutputName: Type.Optional(Type.String()),
    strides: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 })),
    regMax: Type.Optional(Type.Integer({ minimum: 1, description: 'NanoDet distribution bins minus one' })),
    boxFormat: Type.Optional(Type.Union([Type.Literal('xyxy'), Type.Literal('cxcywh')])),
    normalized: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const LabelMapEntrySchema = Type.Object(
  {
    canonical: Type.String(),
    minScore: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export const ModelManifestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9._-]*$' }),
    version: Type.String({ minLength: 1 }),
    task: Type.Union([Type.Literal('detect'), Type.Literal('segment')]),
    weights: Type.Optional(Type.String({ minLength: 1, description: 'Path relative to the manifest' })),
    input: ManifestInputSchema,
    output: ManifestOutputSchema,
    classes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000 }),
    labelMap: Type.Record(Type.String(), LabelMapEntrySchema),
    scoreThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Decoder pre-filter; defaults to the lowest minScore',
      }),
    ),
    nms: Type.Optional(
      Type.Object(
        {
          iouThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          classAware: Type.Optional(Type.Boolean()),
          maxDetections: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    batch: Type.Optional(Type.Integer({ minimum: 1, description: 'Largest batch the graph accepts' })),
    notes: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type RawModelManifest = Static<typeof ModelManifestSchema>;
