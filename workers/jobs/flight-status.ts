/** Flight status changes made by jobs, tolerant of a flight that moved on (or vanished) meanwhile. */
import { errorMessage, GridwatchError } from '../../common/errors.js';
import type { FlightService } from '../../flights/flight-service.js';

function benign(err: unknown): boolean {
  return err instanceof GridwatchError && (err.code === 'INVALID_TRANSITION' || err.code === 'NOT_FOUND');
}

/** Marks the flight failed with the reason the API shows; a flight already done or failed is left alone. */
export async function failFlight(flights: FlightService, flightId: string, error: unknown): Promise<void> {
  try {
    await flights.markFailed(flightId, errorMessage(error));
  } catch (err) {
    if (!benign(err)) throw err;
  }
}

export async function reportFlightProgress(
  flights: FlightService,
  flightId: string,
  progress: number,
): Promise<void> {
  try {
    await flights.reportProgress(flightId, progress);
  } catch (err) {
    if (!benign(err)) throw err;
  }
}
