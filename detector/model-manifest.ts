import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ModelError, errorMessage } from '../common/errors.js';
import { DETECTION_LABELS, SEGMENTATION_LABELS } from './canonical-labels.js';
import {
  DETECTION_DECODERS,
  ModelManifestSchema,
  SEGMENTATION_DECODERS,
  type RawModelManifest,
} from './model-manifest-schema.js';
import type { NormalizationSpec } from './preprocess.js';
import type { LetterboxAnchor, ResizeMode } from './input-transform.js';

/** A validated manifest with defaults applied and the label map resolved per class index. */
export interface ModelManifest {
  readonly raw: RawModelManifest;
  readonly name: string;
  readonly version: string;
  readonly task: 'detect' | 'segment';
  /** Absolute path, or null when the manifest names none and none was given at run time. */
  readonly weightsPath: string | null;
  readonly input: {
    readonly name: string;
    readonly width: number;
    readonly height: number;
    readonly resize: ResizeMode;
    readonly letterboxAnchor: LetterboxAnchor;
    readonly normalization: NormalizationSpec;
  };
  readonly output: RawModelManifest['output'];
  readonly classes: readonly string[];
  /** Per model class: the canonical label, or null when unmapped. */
  readonly classCanonical: readonly (string | null)[];
  /** Per model class: minimum score to report it (mapped classes) or the decoder threshold. */
  readonly classMinScore: readonly number[];
  readonly scoreThreshold: number;
  readonly nms: { iouThreshold: number; classAware: boolean; maxDetections: number };
  readonly batch: number;
}

function schemaErrors(value: unknown): string[] {
  const errors: string[] = [];
  for (const e of Value.Errors(ModelManifestSchema, value)) {
    errors.push(`${e.path || '/'}: ${e.message}`);
    if (errors.length >= 5) break;
  }
  return errors;
}

/** Validates parsed JSON; `origin` names the file in messages, `baseDir` anchors relative weights. */
export function parseManifest(
  json: unknown,
  origin: string,
  baseDir: string,
  weightsOverride?: string,
): ModelManifest {
  const errors = schemaErrors(json);
  if (errors.length > 0) throw new ModelError(`invalid model manifest ${origin}: ${errors.join('; ')}`);
  const raw = json as RawModelManifest;
  const fail = (msg: string): never => {
    throw new ModelError(`invalid model manifest ${origin}: ${msg}`);
  };

  const decoders: readonly string[] = raw.task === 'detect' ? DETECTION_DECODERS : SEGMENTATION_DECODERS;
  if (!decoders.includes(raw.output.decoder)) {
    fail(`unknown decoder '${raw.output.decoder}' for task '${raw.task}' (known: ${decoders.join(', ')})`);
  }

  const canonicalSet: readonly string[] = raw.task === 'detect' ? DETECTION_LABELS : SEGMENTATION_LABELS;
  const classIndex = new Map(raw.classes.map((c, i) => [c, i]));
  if (classIndex.size !== raw.classes.length) fail('class names must be unique');
  const classCanonical: (string | null)[] = raw.classes.map(() => null);
  const mappedMin: (number | null)[] = raw.classes.map(() => null);
  for (const [cls, entry] of Object.entries(raw.labelMap)) {
    const idx = classIndex.get(cls);
    if (idx === undefined) fail(`labelMap names class '${cls}', which is not in classes`);
    if (!canonicalSet.includes(entry.canonical)) {
      fail(
        `labelMap maps '${cls}' to unknown label '${entry.canonical}' (known: ${canonicalSet.join(', ')})`,
      );
    }
    classCanonical[idx!] = entry.canonical;
    mappedMin[idx!] = entry.minScore;
  }
  if (Object.keys(raw.labelMap).length === 0)
    fail('labelMap is empty: map at least one class to a Gridwatch label');

  const minMapped = Math.min(...mappedMin.filter((v): v is number => v !== null));
  const scoreThreshold = raw.scoreThreshold ?? minMapped;
  const mean = raw.input.mean ?? [0, 0, 0];
  const std = raw.input.std ?? [1, 1, 1];
  if (std.some((s) => s === 0)) fail('input.std must not contain 0');

  let weightsPath: string | null = null;
  if (weightsOverride !== undefined) weightsPath = resolve(weightsOverride);
  else if (raw.weights !== undefined) weightsPath = resolve(baseDir, raw.weights);

  return {
    raw,
    name: raw.name,
    version: raw.version,
    task: raw.task,
    weightsPath,
    input: {
      name: raw.input.name,
      width: raw.input.width,
      height: raw.input.height,
      resize: raw.input.resize,
      letterboxAnchor: raw.input.letterboxAnchor ?? 'center',
      normalization: {
        channelOrder: raw.input.channelOrder,
        scale: raw.input.scale ?? 1,
        mean,
        std,
        padValue: raw.input.padValue ?? 114,
      },
    },
    output: raw.output,
    classes: raw.classes,
    classCanonical,
    classMinScore: mappedMin.map((m) => m ?? scoreThreshold),
    scoreThreshold,
    nms: {
      iouThreshold: raw.nms?.iouThreshold ?? 0.45,
      classAware: raw.nms?.classAware ?? true,
      maxDetections: raw.nms?.maxDetections ?? 300,
    },
    batch: raw.batch ?? 1,
  };
}

export async function loadManifest(path: string, weightsOverride?: string): Promise<ModelManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelError(`cannot read model manifest ${path}: ${errorMessage(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`model manifest ${path} is not valid JSON: ${errorMessage(err)}`);
  }
  return parseManifest(json, path, dirname(resolve(path)), weightsOverride);
}
