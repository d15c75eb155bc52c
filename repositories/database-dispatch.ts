/** SQL for dispatch subscribers, deliveries (the persisted retry schedule) and their attempts. */
import type { Queryable } from './database-repository.js';

export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface SubscriberRecord {
  id: string;
  name: string;
  url: string;
  secret: string;
  eventTypes: string[];
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryRecord {
  id: string;
  seq: number;
  caseId: string;
  subscriberId: string;
  eventType: string;
  idempotencyKey: string;
  status: DeliveryStatus;
  attempts: number;
  scheduleStartedAt: Date;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/** A delivery claimed for sending, with what sending needs of its subscriber. */
export interface ClaimedDelivery extends DeliveryRecord {
  subscriber: { name: string; url: string; secret: string };
}

interface SubscriberRow {
  id: string;
  name: string;
  url: string;
  secret: string;
  event_types: string[];
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  seq: number;
  case_id: string;
  subscriber_id: string;
  event_type: string;
  idempotency_key: string;
  status: DeliveryStatus;
  attempts: number;
  schedule_started_at: Date;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface ClaimedRow extends DeliveryRow {
  subscriber_name: string;
  subscriber_url: string;
  subscriber_secret: string;
}

interface AttemptRow {
  attempt: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

function toSubscriber(r: SubscriberRow): SubscriberRecord {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    secret: r.secret,
    eventTypes: r.event_types,
    active: r.active,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    seq: r.seq,
    caseId: r.case_id,
    subscriberId: r.subscriber_id,
    eventType: r.event_type,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    attempts: r.attempts,
    scheduleStartedAt: r.schedule_started_at,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toClaimed(r: ClaimedRow): ClaimedDelivery {
  return {
    ...toDelivery(r),
    subscriber: { name: r.subscriber_name, url: r.subscriber_url, secret: r.subscriber_secret },
  };
}

export interface SubscriberFields {
  name: string;
  url: string;
  secret: string;
  eventTypes: string[];
  active: boolean;
}

export interface DeliveryFilters {
  status?: DeliveryStatus[] | undefined;
  caseId?: string | undefined;
  subscriberId?: string | undefined;
}

/** Claimable: pending and due, or stuck in 'delivering' by a sender whose lease ran out. */
const DUE = `((d.status = 'pending' AND d.next_attempt_at <= $1) OR (d.status = 'delivering' AND d.lease_until <= $1))`;

const CLAIM_RETURNING = `RETURNING d.*, s.name AS subscriber_name, s.url AS subscriber_url, s.secret AS subscriber_secret`;

export class DispatchRepository {
  constructor(private readonly db: Queryable) {}

  async insertSubscriber(f: SubscriberFields): Promise<SubscriberRecord> {
    const res = await this.db.query<SubscriberRow>(
      `INSERT INTO dispatch_subscribers (name, url, secret, event_types, active)
       VALUES ($1, $2, $3, $4::text[], $5) RETURNING *`,
      [f.name, f.url, f.secret, f.eventTypes, f.active],
    );
    return toSubscriber(res.rows[0] as SubscriberRow);
  }

  async findSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    const res = await this.db.query<SubscriberRow>('SELECT * FROM dispatch_subscribers WHERE id = $1', [id]);
    const row = res.rows[0];
    return row ? toSubscriber(row) : undefined;
  }

  async lockSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    const res = await this.db.query<SubscriberRow>(
      'SELECT * FROM dispatch_subscribers WHERE id = $1 FOR UPDATE',
      [id],
    );
    const row = res.rows[0];
    return row ? toSubscriber(row) : undefined;
  }

  async listSubscribers(): Promise<SubscriberRecord[]> {
    const res = await this.db.query<SubscriberRow>(
      'SELECT * FROM dispatch_subscribers ORDER BY created_at, id',
    );
    return res.rows.map(toSubscriber);
  }

  async updateSubscriber(id: string, f: SubscriberFields): Promise<SubscriberRecord> {
    const res = await this.db.query<SubscriberRow>(
      `UPDATE dispatch_subscribers SET name = $2, url = $3, secret = $4, event_types = $5::text[], active = $6,
         version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, f.name, f.url, f.secret, f.eventTypes, f.active],
    );
    return toSubscriber(res.rows[0] as SubscriberRow);
  }

  async deleteSubscriber(id: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM dispatch_subscribers WHERE id = $1', [id]);
    return res.rowCount > 0;
  }

  /** Schedules delivery of every case waiting in 'confirmed' to one subscriber; returns how many. */
  async enqueueConfirmedFor(subscriberId: string, eventType: string, now: Date): Promise<number> {
    const res = await this.db.query(
      `INSERT INTO dispatch_deliveries
         (case_id, subscriber_id, event_type, idempotency_key, schedule_started_at, next_attempt_at)
       SELECT c.id, $1::uuid, $2, c.id::text || ':' || $1::text, $3, $3 FROM cases c WHERE c.status = 'confirmed'
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [subscriberId, eventType, now],
    );
    return res.rowCount;
  }

  /**
   * Takes up to `limit` due deliveries of active subscribers for sending: marks them
   * 'delivering' with a lease and counts the attempt. SKIP LOCKED lets several senders share the
   * work without waiting on each other or taking the same row.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const res = await this.db.query<ClaimedRow>(
      `UPDATE dispatch_deliveries d SET status = 'delivering', lease_until = $2, attempts = d.attempts + 1,
         updated_at = now()
       FROM dispatch_subscribers s
       WHERE s.id = d.subscriber_id AND d.id IN (
         SELECT d.id FROM dispatch_deliveries d JOIN dispatch_subscribers s ON s.id = d.subscriber_id
         WHERE s.active AND ${DUE}
         ORDER BY d.next_attempt_at LIMIT $3
         FOR UPDATE OF d SKIP LOCKED)
       ${CLAIM_RETURNING}`,
      [now, leaseUntil, limit],
    );
    return res.rows.map(toClaimed);
  }

  /** Claims one delivery if it is due; undefined when it is not (or not this sender's to take). */
  async claimOne(id: string, now: Date, leaseUntil: Date): Promise<ClaimedDelivery | undefined> {
    const res = await this.db.query<ClaimedRow>(
      `UPDATE dispatch_deliveries d SET status = 'delivering', lease_until = $2, attempts = d.attempts + 1,
         updated_at = now()
       FROM dispatch_subscribers s
       WHERE s.id = d.subscriber_id AND d.id = (
         SELECT d.id FROM dispatch_deliveries d JOIN dispatch_subscribers s ON s.id = d.subscriber_id
         WHERE d.id = $3 AND s.active AND ${DUE}
         FOR UPDATE OF d SKIP LOCKED)
       ${CLAIM_RETURNING}`,
      [now, leaseUntil, id],
    );
    const row = res.rows[0];
    return row ? toClaimed(row) : undefined;
  }

  async addAttempt(deliveryId: string, a: AttemptRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO dispatch_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [deliveryId, a.attempt, a.startedAt, a.durationMs, a.statusCode, a.error],
    );
  }

  /**
   * Records an attempt's result, fenced by the attempt number: a sender whose lease expired and
   * whose row was taken over changes nothing. Returns false in that case.
   */
  async finishAttempt(
    id: string,
    attempt: number,
    result: {
      status: 'pending' | 'delivered' | 'dead';
      nextAttemptAt: Date | null;
      statusCode: number | null;
      error: string | null;
      at: Date;
    },
  ): Promise<DeliveryRecord | undefined> {
    const res = await this.db.query<DeliveryRow>(
      `UPDATE dispatch_deliveries SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at),
         lease_until = NULL, last_status_code = $5, last_error = $6,
         delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_at END, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'delivering'
       RETURNING *`,
      [id, attempt, result.status, result.nextAttemptAt, result.statusCode, result.error, result.at],
    );
    const row = res.rows[0];
    return row ? toDelivery(row) : undefined;
  }

  async findDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const res = await this.db.query<DeliveryRow>('SELECT * FROM dispatch_deliveries WHERE id = $1', [id]);
    const row = res.rows[0];
    return row ? toDelivery(row) : undefined;
  }

  async listAttempts(deliveryId: string): Promise<AttemptRecord[]> {
    const res = await this.db.query<AttemptRow>(
      'SELECT * FROM dispatch_attempts WHERE delivery_id = $1 ORDER BY id',
      [deliveryId],
    );
    return res.rows.map((r) => ({
      attempt: r.attempt,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      statusCode: r.status_code,
      error: r.error,
    }));
  }

  /** Newest first, strictly before `beforeSeq` when given. */
  async listDeliveries(
    filters: DeliveryFilters,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filters.status?.length) add((p) => `status = ANY(${p}::text[])`, filters.status);
    if (filters.caseId !== undefined) add((p) => `case_id = ${p}`, filters.caseId);
    if (filters.subscriberId !== undefined) add((p) => `subscriber_id = ${p}`, filters.subscriberId);
    if (beforeSeq !== undefined) add((p) => `seq < ${p}`, beforeSeq);
    params.push(limit);
    const res = await this.db.query<DeliveryRow>(
      `SELECT * FROM dispatch_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return res.rows.map(toDelivery);
  }

  /**
   * Starts a new schedule now, whatever the delivery's state, unless a sender holds it right now.
   * Undefined when the delivery does not exist or is being sent.
   */
  async restart(id: string, now: Date): Promise<DeliveryRecord | undefined> {
    const res = await this.db.query<DeliveryRow>(
      `UPDATE dispatch_deliveries SET status = 'pending', attempts = 0, schedule_started_at = $2,
         next_attempt_at = $2, lease_until = NULL, updated_at = now()
       WHERE id = $1 AND NOT (status = 'delivering' AND lease_until > $2)
       RETURNING *`,
      [id, now],
    );
    const row = res.rows[0];
    return row ? toDelivery(row) : undefined;
  }
}
