import { ModelError } from '../common/errors.js';
import type { GraphInfo, TensorDim } from '../repositories/onnx-repository.js';
import type { ModelManifest } from './model-manifest.js';

const fixed = (d: TensorDim | undefined): d is number => typeof d === 'number' && d > 0;

/** Refuses a manifest that disagrees with the graph it describes, naming both sides. */
export function checkManifestAgainstGraph(m: ModelManifest, graph: GraphInfo, weightsPath: string): void {
  const input = graph.inputs.find((i) => i.name === m.input.name);
  const where = `model '${m.name}' (${weightsPath})`;
  if (!input) {
    throw new ModelError(
      `${where}: manifest input '${m.input.name}' is not in the graph (graph inputs: ${graph.inputs.map((i) => i.name).join(', ')})`,
    );
  }
  const dims = input.dims;
  const shown = `[${dims.join(', ')}]`;
  if (dims.length !== 4)
    throw new ModelError(`${where}: graph input '${input.name}' is ${shown}, expected NCHW`);
  const [n, c, h, w] = dims;
  if (fixed(c) && c !== 3)
    throw new ModelError(`${where}: graph input '${input.name}' ${shown} has ${c} channels, expected 3`);
  if ((fixed(h) && h !== m.input.height) || (fixed(w) && w !== m.input.width)) {
    throw new ModelError(
      `${where}: manifest input size ${m.input.width}x${m.input.height} contradicts graph input '${input.name}' ${shown}`,
    );
  }
  if (fixed(n) && m.batch > n) {
    throw new ModelError(
      `${where}: manifest batch ${m.batch} exceeds the graph's fixed batch ${n} in ${shown}`,
    );
  }
}

/** True when the graph's batch dimension accepts `size` images at once. */
export function graphAcceptsBatch(graph: GraphInfo, inputName: string, size: number): boolean {
  const d = graph.inputs.find((i) => i.name === inputName)?.dims[0];
  return !fixed(d) || d === size;
}
