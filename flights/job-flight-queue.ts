/**
 * Flights into the job pipeline: `flight.ingest` through a JobScheduler — BullMQ via the queue
 * repository when REDIS_URL is set, the in-process scheduler otherwise. A flight that was
 * requeued after failing gets a fresh ingest job in place of its finished one.
 */
import type { JobScheduler } from '../workers/job-registry.js';
import type { FlightQueue } from './flight-queue.js';

export class JobFlightQueue implements FlightQueue {
  constructor(private readonly jobs: Pick<JobScheduler, 'enqueue'>) {}

  async enqueue(flightId: string): Promise<void> {
    await this.jobs.enqueue('flight.ingest', { flightId }, { replaceFinished: true });
  }
}
