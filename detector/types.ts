/** Axis-aligned box in pixels: [x1, y1, x2, y2], x2 > x1 and y2 > y1 for a real box. */
export type BoxXYXY = [number, number, number, number];

/** One decoded candidate, before NMS, in model-input pixel coordinates. */
export interface Candidate {
  box: BoxXYXY;
  classIndex: number;
  score: number;
}

/** A model output as the decoders see it: plain dims and a float view, no runtime types. */
export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export type NamedOutputs = Readonly<Record<string, OutputTensor>>;

export interface DecodeContext {
  /** Model input size in pixels (the tensor's W and H). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly numClasses: number;
  /** Candidates scoring below this are dropped inside the decoder (cheap early exit). */
  readonly scoreThreshold: number;
  /** Index into a batch output; 0 for single images. */
  readonly batchIndex: number;
}

/** A detection decoder turns raw outputs into candidates for one batch item. */
export type DetectionDecoder = (outputs: NamedOutputs, ctx: DecodeContext) => Candidate[];

/** A detection mapped back to the original image. */
export interface Detection {
  /** The model's own class name. */
  label: string;
  /** Gridwatch canonical label, or null when the model class is not mapped. */
  canonical: string | null;
  score: number;
  box: BoxXYXY;
}
