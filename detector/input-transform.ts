import type { BoxXYXY } from './types.js';

export type ResizeMode = 'letterbox' | 'stretch';
export type LetterboxAnchor = 'top-left' | 'center';

/**
 * How an image of (imageWidth × imageHeight) was placed into the model input: scaled by
 * (scaleX, scaleY) to (resizedWidth × resizedHeight) and shifted by (padX, padY).
 * Model pixel (mx, my) ↔ image pixel ((mx − padX) / scaleX, (my − padY) / scaleY).
 */
export interface InputTransform {
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly scaleX: number;
  readonly scaleY: number;
  readonly padX: number;
  readonly padY: number;
}

export function computeInputTransform(
  imageWidth: number,
  imageHeight: number,
  inputWidth: number,
  inputHeight: number,
  mode: ResizeMode,
  anchor: LetterboxAnchor = 'center',
): InputTransform {
  if (mode === 'stretch') {
    return {
      imageWidth,
      imageHeight,
      inputWidth,
      inputHeight,
      resizedWidth: inputWidth,
      resizedHeight: inputHeight,
      scaleX: inputWidth / imageWidth,
      scaleY: inputHeight / imageHeight,
      padX: 0,
      padY: 0,
    };
  }
  const r = Math.min(inputWidth / imageWidth, inputHeight / imageHeight);
  const resizedWidth = Math.max(1, Math.min(inputWidth, Math.round(imageWidth * r)));
  const resizedHeight = Math.max(1, Math.min(inputHeight, Math.round(imageHeight * r)));
  const padX = anchor === 'center' ? Math.floor((inputWidth - resizedWidth) / 2) : 0;
  const padY = anchor === 'center' ? Math.floor((inputHeight - resizedHeight) / 2) : 0;
  return {
    imageWidth,
    imageHeight,
    inputWidth,
    inputHeight,
    resizedWidth,
    resizedHeight,
    // The real scale of the resized content, not r: rounding changed it slightly.
    scaleX: resizedWidth / imageWidth,
    scaleY: resizedHeight / imageHeight,
    padX,
    padY,
  };
}

/** Maps a box from model-input pixels to image pixels, clipped to the image. */
export function boxToImage(box: BoxXYXY, t: InputTransform): BoxXYXY {
  const x1 = (box[0] - t.padX) / t.scaleX;
  const y1 = (box[1] - t.padY) / t.scaleY;
  const x2 = (box[2] - t.padX) / t.scaleX;
  const y2 = (box[3] - t.padY) / t.scaleY;
  return [
    Math.min(Math.max(x1, 0), t.imageWidth),
    Math.min(Math.max(y1, 0), t.imageHeight),
    Math.min(Math.max(x2, 0), t.imageWidth),
    Math.min(Math.max(y2, 0), t.imageHeight),
  ];
}
