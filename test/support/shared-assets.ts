import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared beside the repository: reference models and media, read in place, never copied. */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Absolute path of a file under ../shared; throws a clear error when it is missing. */
export function sharedAsset(relative: string): string {
  const path = `${SHARED_DIR}${relative}`;
  if (!existsSync(path)) {
    throw new Error(
      `missing reference asset ../shared/${relative} (looked in ${SHARED_DIR}): these tests need the shared models and media checked out beside the repository`,
    );
  }
  return path;
}

export const REFERENCE_MODELS = [
  { manifest: 'models/catalogue/yolox-nano-coco.json', weights: 'models/yolox_nano.onnx' },
  { manifest: 'models/catalogue/nanodet-m-coco.json', weights: 'models/nanodet_m_416.onnx' },
  { manifest: 'models/catalogue/fastestdet-coco.json', weights: 'models/fastestdet.onnx' },
] as const;
