/** Upload refusals; the API maps them by code to 415, 413 and 503. */
import { GridwatchError, QueueUnavailableError } from '../common/errors.js';

/** The content is not what the endpoint takes, whatever its name or declared type says. */
export class UnsupportedMediaError extends GridwatchError {
  constructor(message: string) {
    super(message, 'UNSUPPORTED_MEDIA_TYPE');
  }
}

export class PayloadTooLargeError extends GridwatchError {
  constructor(message: string) {
    super(message, 'PAYLOAD_TOO_LARGE');
  }
}

/**
 * The upload is stored and recorded as 'queued', but the job queue (Redis) refused it: the API
 * answers 503 naming the flight, and a re-enqueue sweep (flights/queued-flight-sweep.ts) hands
 * it to the queue once Redis is back. Nothing is lost and the client need not upload again.
 */
export class FlightNotQueuedError extends QueueUnavailableError {
  readonly details: { flightId: string };

  constructor(flightId: string, cause: unknown) {
    super(
      `flight ${flightId} is stored and stays queued, but the job queue (Redis) is unavailable; ` +
        'it is queued for analysis automatically once the queue is back (follow GET /flights/' +
        `${flightId}); do not upload it again`,
      { cause },
    );
    this.details = { flightId };
  }
}
