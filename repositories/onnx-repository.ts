/**
 * The only module that imports onnxruntime-node. Detector code sees plain Float32Arrays and
 * dims, so it can be unit-tested with hand-built tensors and stays independent of ORT versions.
 */
import { stat } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ModelError, errorMessage } from '../common/errors.js';
import type { NamedOutputs, OutputTensor } from '../detector/types.js';

export type TensorDim = number | string;

export interface TensorInfo {
  name: string;
  /** Fixed sizes as numbers; symbolic (dynamic) ones as strings or -1. */
  dims: TensorDim[];
}

export interface GraphInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

export interface OnnxSessionOptions {
  /** Threads inside one operator; 1 per worker process is the sweet spot on small machines. */
  intraOpThreads?: number;
  interOpThreads?: number;
  executionProviders?: string[];
}

export interface OnnxSession {
  readonly path: string;
  readonly graph: GraphInfo;
  run(inputName: string, data: Float32Array, dims: readonly number[]): Promise<NamedOutputs>;
  release(): Promise<void>;
}

function tensorInfo(meta: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, dims: [] };
  return { name: meta.name, dims: meta.shape.map((d) => (typeof d === 'number' ? d : String(d))) };
}

function toFloat32(data: ort.Tensor['data']): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return out;
  }
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new ModelError('model produced a non-numeric output tensor');
}

export async function openOnnxSession(path: string, opts: OnnxSessionOptions = {}): Promise<OnnxSession> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new ModelError(`model weights not found: ${path}`);
  }
  if (size === 0) throw new ModelError(`model weights file is empty (0 bytes): ${path}`);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: opts.intraOpThreads ?? 1,
      interOpNumThreads: opts.interOpThreads ?? 1,
      executionProviders: opts.executionProviders ?? ['cpu'],
      graphOptimizationLevel: 'all',
      // Exported graphs often list initialisers as inputs; ORT warns per tensor, which is noise.
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new ModelError(`cannot load ONNX model ${path}: ${errorMessage(err).split('\n')[0]}`, {
      cause: err,
    });
  }

  const graph: GraphInfo = {
    inputs: session.inputMetadata.map(tensorInfo),
    outputs: session.outputMetadata.map(tensorInfo),
  };

  return {
    path,
    graph,
    async run(inputName, data, dims) {
      const feeds = { [inputName]: new ort.Tensor('float32', data, dims) };
      const results = await session.run(feeds);
      const outputs: Record<string, OutputTensor> = {};
      for (const name of session.outputNames) {
        const t = results[name];
        if (t) outputs[name] = { dims: t.dims, data: toFloat32(t.data) };
      }
      return outputs;
    },
    async release() {
      await session.release();
    },
  };
}
