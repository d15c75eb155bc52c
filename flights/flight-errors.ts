/** Upload refusals; the API maps them by code to 415 and 413. */
import { GridwatchError } from '../common/errors.js';

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
