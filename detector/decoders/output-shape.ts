import { ModelError } from '../../common/errors.js';
import type { NamedOutputs, OutputTensor } from '../types.js';

/** Picks an output by name, or the first one when no name is configured. */
export function pickOutput(
  outputs: NamedOutputs,
  decoder: string,
  name?: string,
): { name: string; tensor: OutputTensor } {
  if (name !== undefined) {
    const tensor = outputs[name];
    if (!tensor) {
      throw new ModelError(
        `${decoder} decoder: model has no output '${name}' (outputs: ${Object.keys(outputs).join(', ')})`,
      );
    }
    return { name, tensor };
  }
  const first = Object.entries(outputs)[0];
  if (!first) throw new ModelError(`${decoder} decoder: model produced no outputs`);
  return { name: first[0], tensor: first[1] };
}

export function formatDims(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

export function shapeError(
  decoder: string,
  output: string,
  expected: string,
  dims: readonly number[],
): ModelError {
  return new ModelError(
    `${decoder} decoder: output '${output}' should be ${expected}, got [${dims.join(', ')}]`,
  );
}
