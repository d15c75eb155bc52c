/** Errors of authentication, authorisation and throttling; the error handler maps them by code. */
import { GridwatchError } from '../../common/errors.js';

export class UnauthorizedError extends GridwatchError {
  constructor(message = 'a valid API key is required: send Authorization: Bearer <key>') {
    super(message, 'UNAUTHORIZED');
  }
}

export class ForbiddenError extends GridwatchError {
  constructor(message = 'this API key may not do this') {
    super(message, 'FORBIDDEN');
  }
}

export class RateLimitedError extends GridwatchError {
  constructor(retryAfter: string) {
    super(`too many requests; retry in ${retryAfter}`, 'RATE_LIMITED');
  }
}
