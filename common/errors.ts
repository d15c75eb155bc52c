/**
 * Domain errors. Every error a user can cause is one of these, so callers (CLI, API, workers)
 * can map them to an exit code, a 4xx, or an unrecoverable job without string matching.
 */
export class GridwatchError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input the caller supplied is wrong: bad file, bad option, bad configuration. */
export class InvalidInputError extends GridwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_INPUT', options);
  }
}

/** A model manifest or model file is unusable. */
export class ModelError extends GridwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MODEL_INVALID', options);
  }
}

/** A media file (image or video) cannot be read. */
export class MediaError extends GridwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MEDIA_INVALID', options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
