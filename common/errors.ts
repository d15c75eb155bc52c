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

/**
 * A job that can never succeed however often it is retried: corrupt or unsupported media, a
 * flight whose source no longer exists. Job handlers throw it; the queue repository turns it into
 * BullMQ's UnrecoverableError so the job fails at once, without its remaining attempts.
 */
export class PermanentJobError extends GridwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PERMANENT_JOB_FAILURE', options);
  }
}

/** The job queue (Redis) cannot be reached right now; the API answers 503, callers may retry. */
export class QueueUnavailableError extends GridwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'QUEUE_UNAVAILABLE', options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
