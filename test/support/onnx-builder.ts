/**
 * Builds small, real ONNX model files for tests.
 *
 * No model hub or python `onnx` package is reachable from the test environment, yet some code paths
 * (segmentation heads, YOLOv8-shaped outputs, symbolic batch dims) can only be exercised honestly by
 * running a genuine model through onnxruntime-node. So this file hand-encodes the few protobuf messages
 * of onnx.proto that a single-graph model needs. Field numbers below are those of onnx.proto (proto2);
 * unknown or optional fields are simply omitted, which protobuf readers treat as defaults.
 */

export interface OnnxTensorSpec {
  name: string;
  /** A string is a symbolic dimension (dim_param), e.g. 'batch'. */
  dims: (number | string)[];
  /** Defaults to 'float'. */
  elemType?: OnnxElemType;
}

export type OnnxElemType = 'float' | 'int64';

export interface OnnxInitializer {
  name: string;
  dims: number[];
  values: Float32Array | number[];
  /** Defaults to 'float'; 'int64' is for shape-like inputs such as Reshape's or Pad's. */
  dataType?: OnnxElemType;
}

/** Forces FLOAT for a value that happens to be an integer (a bare integer would be encoded as INT). */
export interface OnnxFloatAttribute {
  f: number;
}

/** A TENSOR attribute, e.g. Constant's `value`; the tensor's own name may be left empty. */
export interface OnnxTensorAttribute {
  tensor: Omit<OnnxInitializer, 'name'> & { name?: string };
}

/**
 * number: INT when it is an integer, FLOAT otherwise (use `{ f }` for an integral float);
 * number[]: INTS; Float32Array: FLOATS; string: STRING.
 */
export type OnnxAttributeValue =
  number | number[] | string | Float32Array | OnnxFloatAttribute | OnnxTensorAttribute;

export interface OnnxNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, OnnxAttributeValue>;
  name?: string;
  /** Operator domain; '' (the default) is the standard ai.onnx domain. */
  domain?: string;
}

export interface OnnxGraphSpec {
  inputs: OnnxTensorSpec[];
  outputs: OnnxTensorSpec[];
  initializers?: OnnxInitializer[];
  nodes: OnnxNodeSpec[];
  /** ai.onnx opset version; defaults to 13. */
  opset?: number;
  name?: string;
}

// --- onnx.proto constants -------------------------------------------------------------------------

const IR_VERSION = 7;
const DEFAULT_OPSET = 13;

const ELEM_TYPE: Record<OnnxElemType, number> = { float: 1, int64: 7 };

const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET_ID = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TYPE_TENSOR = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIMENSION = { dimValue: 1, dimParam: 2 } as const;

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

// --- protobuf encoding ----------------------------------------------------------------------------

const utf8 = new TextEncoder();

/**
 * Append-only protobuf message writer. Nested messages are finished first and embedded as bytes,
 * because the length prefix must be known before the payload; test models are small, so the extra
 * copies do not matter.
 */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** int64 fields carry negatives (Reshape's -1) as 10-byte two's-complement varints, hence BigInt. */
  private varint(value: number | bigint): void {
    let rest = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      out.push(rest === 0n ? low : low | 0x80);
    } while (rest !== 0n);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new Error(`protobuf integer field ${field}: ${value} is not a safe integer`);
    }
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.tag(field, WIRE_FIXED32);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** Packed encoding: ONNX readers accept both forms, and packed is far smaller for long lists. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let k = 0; k < values.length; k++) view.setFloat32(k * 4, values[k] ?? 0, true);
    return this.bytes(field, bytes);
  }

  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(checkedInt(v, `packed field ${field}`));
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

function checkedInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${what}: ${value} is not an integer`);
  return value;
}

// --- ONNX messages --------------------------------------------------------------------------------

function tensorProto(
  name: string,
  dims: readonly number[],
  values: Float32Array | readonly number[],
  dataType: OnnxElemType,
): ProtoWriter {
  const count = dims.reduce((a, b) => a * checkedInt(b, `tensor '${name}' dim`), 1);
  if (values.length !== count) {
    throw new Error(
      `tensor '${name}': ${values.length} values for dims [${dims.join(', ')}] (expected ${count})`,
    );
  }
  // raw_data is little-endian per onnx.proto, which is what DataView writes when asked explicitly.
  let raw: Uint8Array;
  if (dataType === 'float') {
    raw = new Uint8Array(count * 4);
    const view = new DataView(raw.buffer);
    for (let k = 0; k < count; k++) view.setFloat32(k * 4, values[k] ?? 0, true);
  } else {
    raw = new Uint8Array(count * 8);
    const view = new DataView(raw.buffer);
    for (let k = 0; k < count; k++) {
      view.setBigInt64(k * 8, BigInt(checkedInt(values[k] ?? 0, `int64 tensor '${name}'`)), true);
    }
  }
  const w = new ProtoWriter();
  for (const d of dims) w.int(TENSOR.dims, d);
  w.int(TENSOR.dataType, ELEM_TYPE[dataType]);
  if (name !== '') w.string(TENSOR.name, name);
  return w.bytes(TENSOR.rawData, raw);
}

function valueInfo(spec: OnnxTensorSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of spec.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'string') dim.string(DIMENSION.dimParam, d);
    else dim.int(DIMENSION.dimValue, checkedInt(d, `value '${spec.name}' dim`));
    shape.message(SHAPE.dim, dim);
  }
  const tensorType = new ProtoWriter()
    .int(TYPE_TENSOR.elemType, ELEM_TYPE[spec.elemType ?? 'float'])
    .message(TYPE_TENSOR.shape, shape);
  const type = new ProtoWriter().message(TYPE.tensorType, tensorType);
  return new ProtoWriter().string(VALUE_INFO.name, spec.name).message(VALUE_INFO.type, type);
}

function attribute(name: string, value: OnnxAttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(ATTRIBUTE.name, name);
  if (typeof value === 'string') {
    return w.string(ATTRIBUTE.s, value).int(ATTRIBUTE.type, ATTR_TYPE.STRING);
  }
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? w.int(ATTRIBUTE.i, value).int(ATTRIBUTE.type, ATTR_TYPE.INT)
      : w.float(ATTRIBUTE.f, value).int(ATTRIBUTE.type, ATTR_TYPE.FLOAT);
  }
  if (value instanceof Float32Array) {
    return w.packedFloats(ATTRIBUTE.floats, value).int(ATTRIBUTE.type, ATTR_TYPE.FLOATS);
  }
  if (Array.isArray(value)) {
    // Silently truncating 0.5 to an int would build a model that runs but computes something else.
    for (const v of value) {
      if (!Number.isInteger(v))
        throw new Error(`attribute '${name}': ${v} in an INTS list; use a Float32Array for FLOATS`);
    }
    return w.packedInts(ATTRIBUTE.ints, value).int(ATTRIBUTE.type, ATTR_TYPE.INTS);
  }
  if ('f' in value) {
    return w.float(ATTRIBUTE.f, value.f).int(ATTRIBUTE.type, ATTR_TYPE.FLOAT);
  }
  const t = value.tensor;
  return w
    .message(ATTRIBUTE.t, tensorProto(t.name ?? '', t.dims, t.values, t.dataType ?? 'float'))
    .int(ATTRIBUTE.type, ATTR_TYPE.TENSOR);
}

function nodeProto(spec: OnnxNodeSpec, index: number): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of spec.inputs) w.string(NODE.input, input);
  for (const output of spec.outputs) w.string(NODE.output, output);
  // ORT names its own errors after the node, so a unique default name makes failures traceable.
  w.string(NODE.name, spec.name ?? `${spec.op}_${index}`);
  w.string(NODE.opType, spec.op);
  for (const [name, value] of Object.entries(spec.attributes ?? {}))
    w.message(NODE.attribute, attribute(name, value));
  if (spec.domain) w.string(NODE.domain, spec.domain);
  return w;
}

/** Serialises a single-graph ONNX ModelProto (IR version 7). */
export function buildOnnxModel(spec: OnnxGraphSpec): Uint8Array {
  const graph = new ProtoWriter();
  spec.nodes.forEach((node, index) => graph.message(GRAPH.node, nodeProto(node, index)));
  graph.string(GRAPH.name, spec.name ?? 'gridwatch_test_graph');
  for (const init of spec.initializers ?? []) {
    graph.message(
      GRAPH.initializer,
      tensorProto(init.name, init.dims, init.values, init.dataType ?? 'float'),
    );
  }
  for (const input of spec.inputs) graph.message(GRAPH.input, valueInfo(input));
  for (const output of spec.outputs) graph.message(GRAPH.output, valueInfo(output));

  const model = new ProtoWriter()
    .int(MODEL.irVersion, IR_VERSION)
    .string(MODEL.producerName, 'gridwatch-test-onnx-builder')
    .string(MODEL.producerVersion, '1');
  const opsetFor = (domain: string, version: number): ProtoWriter =>
    new ProtoWriter().string(OPSET_ID.domain, domain).int(OPSET_ID.version, version);
  model.message(MODEL.opsetImport, opsetFor('', spec.opset ?? DEFAULT_OPSET));
  // Every non-default domain a node uses must be imported or ORT refuses the model.
  const extraDomains = new Set(
    spec.nodes.map((n) => n.domain ?? '').filter((d) => d !== '' && d !== 'ai.onnx'),
  );
  for (const domain of extraDomains) model.message(MODEL.opsetImport, opsetFor(domain, 1));
  return model.message(MODEL.graph, graph).finish();
}

// --- ready-made models ----------------------------------------------------------------------------

export interface SegmentationModelOptions {
  classes: number;
  /** [H, W] of the input image. */
  inputSize: [number, number];
  /** Output is H/s × W/s; both must divide exactly. */
  outputStride: number;
  /** Symbolic batch dim 'batch' instead of a fixed 1. */
  dynamicBatch?: boolean;
}

/** Logit of class 0 ("background / dark"): a channel must exceed it for a colour class to win. */
export const SEGMENTATION_DARK_THRESHOLD = 0.2;

/**
 * input `input` [N, 3, H, W] float, expected normalised to [0, 1] (raw / 255), RGB channel order;
 * output `logits` [N, C, H/s, W/s].
 *
 * Exact computation: a 1×1 Conv gives per pixel
 *   logit0 = 0.2, logit1 = R, logit2 = G, logit3 = B, logit_k = -1 for every k ≥ 4,
 * then AveragePool (kernel s, stride s, no padding) averages each s×s block. Both steps are linear, so
 * each output cell's logits are those of the block's mean colour (mR, mG, mB), and
 *   argmax = 0 when max(mR, mG, mB) < 0.2, otherwise 1 + (index of the largest of mR, mG, mB).
 * Ties go to the lower class index (ORT's and a plain loop's argmax both pick the first maximum), so
 * keep test colours clearly dominant and regions aligned to s-pixel blocks. Classes ≥ 4 never win;
 * with C < 4 only the first C of (dark, red, green, blue) exist.
 */
export function segmentationModel(options: SegmentationModelOptions): Uint8Array {
  const { classes, inputSize, outputStride: s, dynamicBatch = false } = options;
  const [h, w] = inputSize;
  if (!Number.isInteger(classes) || classes < 1)
    throw new Error(`segmentationModel: classes must be ≥ 1, got ${classes}`);
  if (!Number.isInteger(s) || s < 1 || h % s !== 0 || w % s !== 0) {
    throw new Error(`segmentationModel: stride ${s} must divide the input size ${h}×${w}`);
  }
  const weights = new Float32Array(classes * 3);
  const bias = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    if (c === 0) bias[c] = SEGMENTATION_DARK_THRESHOLD;
    else if (c <= 3) weights[c * 3 + (c - 1)] = 1;
    else bias[c] = -1;
  }
  const batch: number | string = dynamicBatch ? 'batch' : 1;
  return buildOnnxModel({
    name: 'gridwatch_test_segmentation',
    inputs: [{ name: 'input', dims: [batch, 3, h, w] }],
    outputs: [{ name: 'logits', dims: [batch, classes, h / s, w / s] }],
    initializers: [
      { name: 'conv.weight', dims: [classes, 3, 1, 1], values: weights },
      { name: 'conv.bias', dims: [classes], values: bias },
    ],
    nodes: [
      {
        op: 'Conv',
        inputs: ['input', 'conv.weight', 'conv.bias'],
        outputs: ['pixel_logits'],
        attributes: { kernel_shape: [1, 1] },
      },
      {
        op: 'AveragePool',
        inputs: ['pixel_logits'],
        outputs: ['logits'],
        attributes: { kernel_shape: [s, s], strides: [s, s] },
      },
    ],
  });
}

export interface YoloV8LikeModelOptions {
  /** [H, W] of the input image; the input is [1, 3, H, W]. */
  inputSize: [number, number];
  /** The exact values the model returns, row-major in outputDims. */
  output: Float32Array;
  /** e.g. [1, 4 + numClasses, anchors] for a YOLOv8 head. */
  outputDims: number[];
  /** Defaults to 'images', as exported by ultralytics. */
  inputName?: string;
  /** Defaults to 'output0', as exported by ultralytics. */
  outputName?: string;
}

/**
 * Returns `output` (shape `outputDims`) whatever the input, so decoder tests know the exact tensor:
 *   output0 = constant + 0 × ReduceSum(images)
 * The input still feeds the graph so ORT keeps it as a real input and runs a real inference; the only
 * input dependence is that a NaN/±Inf pixel would poison every output value.
 */
export function yoloV8LikeModel(options: YoloV8LikeModelOptions): Uint8Array {
  const { inputSize, output, outputDims, inputName = 'images', outputName = 'output0' } = options;
  const [h, w] = inputSize;
  return buildOnnxModel({
    name: 'gridwatch_test_yolov8_like',
    inputs: [{ name: inputName, dims: [1, 3, h, w] }],
    outputs: [{ name: outputName, dims: outputDims }],
    initializers: [
      { name: 'head.constant', dims: outputDims, values: output },
      { name: 'zero', dims: [], values: [0] },
    ],
    nodes: [
      // Opset 13 ReduceSum with no axes input reduces every axis; keepdims=0 leaves a scalar.
      { op: 'ReduceSum', inputs: [inputName], outputs: ['input_sum'], attributes: { keepdims: 0 } },
      { op: 'Mul', inputs: ['input_sum', 'zero'], outputs: ['input_zero'] },
      { op: 'Add', inputs: ['head.constant', 'input_zero'], outputs: [outputName] },
    ],
  });
}
