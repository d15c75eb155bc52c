/**
 * Hands confirmed cases to the departments that act on them: signed webhooks per subscriber,
 * retried on a persisted schedule, dead-lettered after the last attempt, re-sent on request; and
 * the inbound callback by which a department reports a case handled or closed.
 *
 * Deliveries are created by the store when a case becomes confirmed (migration 0003) or when a
 * subscriber is added, so a confirmation is never committed without its hand-off. `deliverDue()`
 * sends whatever is due (the embedded poller calls it); `deliverOne(id)` sends one delivery, for a
 * queue job that carries the id. Both are safe to run in several processes at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidInputError } from '../common/errors.js';
import {
  InvalidTransitionError,
  NotFoundError,
  VersionConflictError,
  DetailedError,
} from '../cases/case-errors.js';
import { nextStatuses } from '../cases/case-lifecycle.js';
import type { Case, Closure, Page } from '../cases/case-model.js';
import type { CaseService } from '../cases/case-service.js';
import { decodeSeqCursor, encodeCursor, pageLimit } from '../cases/page-cursor.js';
import { CaseRepository } from '../repositories/database-cases.js';
import {
  DispatchRepository,
  type AttemptRecord,
  type ClaimedDelivery,
  type DeliveryFilters,
  type DeliveryRecord,
  type SubscriberRecord,
} from '../repositories/database-dispatch.js';
import type { Database } from '../repositories/database-repository.js';
import { DEFAULT_RETRY_POLICY, nextAttemptAt, type RetryPolicy } from './retry-policy.js';
import { FetchWebhookSender, type WebhookSender } from './webhook-sender.js';
import {
  checkSignature,
  DEFAULT_TOLERANCE_S,
  SIGNATURE_HEADER,
  signatureHeader,
} from './webhook-signature.js';

export const DISPATCH_EVENT_TYPES = ['case.confirmed'] as const;
export type DispatchEventType = (typeof DISPATCH_EVENT_TYPES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_KIND = 'deliveries';
const USER_AGENT = 'Gridwatch-Dispatch/1';

export interface DispatchOptions {
  policy?: Partial<RetryPolicy> | undefined;
  sender?: WebhookSender | undefined;
  /** The time deliveries are scheduled by; injectable so tests can move through a day of retries. */
  clock?: (() => Date) | undefined;
  random?: (() => number) | undefined;
  /** Per attempt, connection to last byte. */
  timeoutMs?: number | undefined;
  /** Deliveries one deliverDue() call claims, and how many of them are sent at once. */
  batchSize?: number | undefined;
  concurrency?: number | undefined;
  /** How far a signed callback's timestamp may be from our clock. */
  callbackToleranceS?: number | undefined;
}

export interface SubscriberInput {
  name: string;
  url: string;
  /** Generated when absent. */
  secret?: string | undefined;
  eventTypes: DispatchEventType[];
  active: boolean;
}

/** A subscriber as the API shows it: the secret only at creation (and when replaced). */
export interface Subscriber {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  /** The secret's last four characters, to tell secrets apart. */
  secretHint: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: string;
  caseId: string;
  subscriberId: string;
  eventType: string;
  idempotencyKey: string;
  status: DeliveryRecord['status'];
  attempts: number;
  scheduleStartedAt: string;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface DeliveryOutcome {
  deliveryId: string;
  /** delivered; retry (scheduled again); dead (no attempts left); skipped (not due, or taken). */
  result: 'delivered' | 'retry' | 'dead' | 'skipped';
  statusCode: number | null;
  error: string | null;
  /** When the next attempt is due, for a queue job to re-schedule itself; null when none is. */
  nextAttemptAt: Date | null;
}

export interface CallbackInput {
  caseId: string;
  status: 'handled' | 'closed';
  closure?: Closure | undefined;
  note?: string | undefined;
}

export interface CallbackResult {
  case: Case;
  /** False when the case already was where the callback would put it (a repeated callback). */
  changed: boolean;
}

export class DispatchUnauthorizedError extends DetailedError {
  constructor(message: string) {
    super(message, 'UNAUTHORIZED');
  }
}

function subscriberView(r: SubscriberRecord): Subscriber {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    eventTypes: r.eventTypes,
    active: r.active,
    secretHint: r.secret.slice(-4),
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function deliveryView(r: DeliveryRecord): Delivery {
  const scheduled = r.status === 'pending' || r.status === 'delivering';
  return {
    id: r.id,
    caseId: r.caseId,
    subscriberId: r.subscriberId,
    eventType: r.eventType,
    idempotencyKey: r.idempotencyKey,
    status: r.status,
    attempts: r.attempts,
    scheduleStartedAt: r.scheduleStartedAt.toISOString(),
    nextAttemptAt: scheduled ? r.nextAttemptAt.toISOString() : null,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError('url is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InvalidInputError('url must be http or https');
  }
  if (parsed.username || parsed.password) {
    throw new InvalidInputError('url must not carry credentials; the signature authenticates us');
  }
  return parsed.toString();
}

function checkSecret(secret: string | undefined): string {
  if (secret === undefined) return `whsec_${randomBytes(32).toString('base64url')}`;
  if (secret.length < 16 || secret.length > 200 || /\s/.test(secret)) {
    throw new InvalidInputError('a secret has 16 to 200 characters and no spaces');
  }
  return secret;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

export class DispatchService {
  private readonly policy: RetryPolicy;
  private readonly sender: WebhookSender;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly toleranceS: number;

  constructor(
    private readonly db: Database,
    private readonly cases: CaseService,
    opts: DispatchOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.policy };
    this.sender = opts.sender ?? new FetchWebhookSender();
    this.clock = opts.clock ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.batchSize = opts.batchSize ?? 50;
    this.concurrency = opts.concurrency ?? 8;
    this.toleranceS = opts.callbackToleranceS ?? DEFAULT_TOLERANCE_S;
  }

  // Subscribers ----------------------------------------------------------------------------------

  /** Creates a subscriber; active ones also get every case now waiting in 'confirmed'. */
  async createSubscriber(input: SubscriberInput): Promise<{ subscriber: Subscriber; secret: string }> {
    const fields = { ...input, url: checkUrl(input.url), secret: checkSecret(input.secret) };
    const record = await this.db.transaction(async (tx) => {
      const repo = new DispatchRepository(tx);
      const created = await repo.insertSubscriber(fields);
      if (created.active) await this.backfill(repo, created);
      return created;
    });
    return { subscriber: subscriberView(record), secret: record.secret };
  }

  async listSubscribers(): Promise<Subscriber[]> {
    return (await new DispatchRepository(this.db).listSubscribers()).map(subscriberView);
  }

  async getSubscriber(id: string): Promise<Subscriber> {
    return subscriberView(await this.findSubscriber(id));
  }

  /** Replaces a subscriber's settings; the secret is kept unless a new one is given. */
  async updateSubscriber(
    id: string,
    input: SubscriberInput,
    expectedVersion?: number,
  ): Promise<{ subscriber: Subscriber; secret?: string }> {
    if (!UUID.test(id)) throw new NotFoundError('subscriber', id);
    const url = checkUrl(input.url);
    const newSecret = input.secret === undefined ? undefined : checkSecret(input.secret);
    const record = await this.db.transaction(async (tx) => {
      const repo = new DispatchRepository(tx);
      const current = await repo.lockSubscriber(id);
      if (!current) throw new NotFoundError('subscriber', id);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new VersionConflictError('subscriber', id, expectedVersion, current);
      }
      const updated = await repo.updateSubscriber(id, {
        ...input,
        url,
        secret: newSecret ?? current.secret,
      });
      if (updated.active) await this.backfill(repo, updated);
      return updated;
    });
    return { subscriber: subscriberView(record), ...(newSecret ? { secret: newSecret } : {}) };
  }

  /** Removes a subscriber with its deliveries and their history. */
  async deleteSubscriber(id: string): Promise<void> {
    if (!UUID.test(id) || !(await new DispatchRepository(this.db).deleteSubscriber(id))) {
      throw new NotFoundError('subscriber', id);
    }
  }

  // Deliveries -----------------------------------------------------------------------------------

  async listDeliveries(
    filters: DeliveryFilters,
    page: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<Delivery>> {
    const limit = pageLimit(page.limit, 50, 200);
    const beforeSeq = page.cursor === undefined ? undefined : decodeSeqCursor(CURSOR_KIND, page.cursor);
    const rows = await new DispatchRepository(this.db).listDeliveries(filters, beforeSeq, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(deliveryView),
      nextCursor: rows.length > limit && last ? encodeCursor(CURSOR_KIND, last.seq) : null,
    };
  }

  async getDelivery(id: string): Promise<Delivery & { history: DeliveryAttempt[] }> {
    const repo = new DispatchRepository(this.db);
    const found = UUID.test(id) ? await repo.findDelivery(id) : undefined;
    if (!found) throw new NotFoundError('delivery', id);
    const history = (await repo.listAttempts(id)).map((a: AttemptRecord) => ({
      ...a,
      startedAt: a.startedAt.toISOString(),
    }));
    return { ...deliveryView(found), history };
  }

  /**
   * Sends a delivery again from a fresh schedule: a dead letter after the receiver was fixed, or
   * a delivered one the receiver lost. The idempotency key stays, so receivers can de-duplicate.
   */
  async resend(id: string): Promise<Delivery> {
    if (!UUID.test(id)) throw new NotFoundError('delivery', id);
    const repo = new DispatchRepository(this.db);
    const restarted = await repo.restart(id, this.clock());
    if (restarted) return deliveryView(restarted);
    const current = await repo.findDelivery(id);
    if (!current) throw new NotFoundError('delivery', id);
    throw new DetailedError(
      `delivery '${id}' is being sent right now; try again shortly`,
      'VERSION_CONFLICT',
      {
        currentStatus: current.status,
      },
    );
  }

  /** Sends every delivery that is due now (up to the batch size); returns what happened to each. */
  async deliverDue(): Promise<DeliveryOutcome[]> {
    const now = this.clock();
    const claimed = await new DispatchRepository(this.db).claimDue(now, this.leaseEnd(now), this.batchSize);
    return mapLimit(claimed, this.concurrency, (d) => this.send(d));
  }

  /** Sends one delivery if it is due; 'skipped' when it is not due, already done, or being sent. */
  async deliverOne(deliveryId: string): Promise<DeliveryOutcome> {
    const now = this.clock();
    const repo = new DispatchRepository(this.db);
    const claimed = UUID.test(deliveryId)
      ? await repo.claimOne(deliveryId, now, this.leaseEnd(now))
      : undefined;
    if (claimed) return this.send(claimed);
    const current = UUID.test(deliveryId) ? await repo.findDelivery(deliveryId) : undefined;
    if (!current) throw new NotFoundError('delivery', deliveryId);
    const scheduled = current.status === 'pending' || current.status === 'delivering';
    return {
      deliveryId,
      result: 'skipped',
      statusCode: current.lastStatusCode,
      error: current.lastError,
      nextAttemptAt: scheduled ? (current.leaseUntil ?? current.nextAttemptAt) : null,
    };
  }

  // Callbacks ------------------------------------------------------------------------------------

  /**
   * Authenticates a callback signed with a subscriber's secret (`X-Gridwatch-Signature` over the
   * raw body, as our webhooks are signed); returns the subscriber's name for the audit trail.
   */
  async verifyCallback(subscriberId: string, rawBody: Buffer, signature: string): Promise<string> {
    const record = UUID.test(subscriberId)
      ? await new DispatchRepository(this.db).findSubscriber(subscriberId)
      : undefined;
    // One message for every failure, so callers cannot probe which subscriber ids exist.
    const refuse = new DispatchUnauthorizedError(
      `the callback signature is not valid for this subscriber (send ${SIGNATURE_HEADER} and x-gridwatch-subscriber)`,
    );
    if (!record || !record.active) throw refuse;
    const nowS = Math.floor(this.clock().getTime() / 1000);
    if (checkSignature(record.secret, rawBody, signature, nowS, this.toleranceS) !== 'valid') throw refuse;
    return `subscriber:${record.name}`;
  }

  /**
   * Applies a department's report. Repeats are harmless: a case already closed stays closed and
   * the answer says nothing changed. A report on a case that was never handed off is a conflict.
   */
  async handleCallback(input: CallbackInput, actor: string): Promise<CallbackResult> {
    let current = await this.cases.get(input.caseId);
    if (current.status === 'closed') return { case: current, changed: false };
    if (current.status === 'confirmed') {
      // The department acted on a delivery whose answer we never saw; it was handed off.
      current = await this.cases.markDispatched(current.id, {
        actor,
        note: 'reported back before the delivery was confirmed',
      });
    }
    if (current.status !== 'dispatched') {
      throw new InvalidTransitionError(
        current.id,
        current.status,
        input.status === 'closed' ? 'closed' : 'dispatched',
        nextStatuses(current.status),
      );
    }
    if (input.status === 'closed') {
      const closed = await this.cases.close(current.id, { actor, closure: input.closure, note: input.note });
      return { case: closed, changed: true };
    }
    await this.recordHandled(current.id, actor, input.note);
    return { case: await this.cases.get(current.id), changed: true };
  }

  // Internals ------------------------------------------------------------------------------------

  private leaseEnd(now: Date): Date {
    // Long enough for one attempt and its bookkeeping; after it, another sender may take over.
    return new Date(now.getTime() + this.timeoutMs + 30_000);
  }

  private async findSubscriber(id: string): Promise<SubscriberRecord> {
    const found = UUID.test(id) ? await new DispatchRepository(this.db).findSubscriber(id) : undefined;
    if (!found) throw new NotFoundError('subscriber', id);
    return found;
  }

  private async backfill(repo: DispatchRepository, s: SubscriberRecord): Promise<void> {
    for (const eventType of s.eventTypes) {
      if (eventType === 'case.confirmed') await repo.enqueueConfirmedFor(s.id, eventType, this.clock());
    }
  }

  private async recordHandled(caseId: string, actor: string, note: string | undefined): Promise<void> {
    await this.db.transaction(async (tx) => {
      const repo = new CaseRepository(tx);
      const locked = await repo.lockById(caseId);
      if (!locked) throw new NotFoundError('case', caseId);
      if (locked.status !== 'dispatched') {
        throw new InvalidTransitionError(caseId, locked.status, 'dispatched', nextStatuses(locked.status));
      }
      await repo.addEvent({
        caseId,
        actor,
        action: 'handled',
        fromStatus: 'dispatched',
        toStatus: 'dispatched',
        details: note ? { note } : {},
      });
    });
  }

  private async send(d: ClaimedDelivery): Promise<DeliveryOutcome> {
    const startedAt = this.clock();
    const started = performance.now();
    let response: { status: number | null; error: string | null };
    let current: Case | undefined;
    try {
      current = await this.cases.get(d.caseId);
      const body = JSON.stringify({
        id: randomUUID(),
        type: d.eventType,
        deliveryId: d.id,
        attempt: d.attempts,
        sentAt: startedAt.toISOString(),
        case: current,
      });
      const timestampS = Math.floor(startedAt.getTime() / 1000);
      response = await this.sender.send({
        url: d.subscriber.url,
        body,
        timeoutMs: this.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'idempotency-key': d.idempotencyKey,
          [SIGNATURE_HEADER]: signatureHeader(d.subscriber.secret, body, timestampS),
          'x-gridwatch-event': d.eventType,
          'x-gridwatch-delivery': d.id,
        },
      });
      if (
        response.error === null &&
        (response.status === null || response.status < 200 || response.status > 299)
      ) {
        response = { status: response.status, error: `HTTP ${response.status ?? 'no response'}` };
      }
    } catch (err) {
      response = { status: null, error: err instanceof Error ? err.message.slice(0, 200) : 'send failed' };
    }
    const durationMs = Math.round(performance.now() - started);
    const now = this.clock();
    const ok = response.error === null;
    const next = ok ? null : nextAttemptAt(this.policy, d.attempts, d.scheduleStartedAt, now, this.random);
    const status = ok ? 'delivered' : next ? 'pending' : 'dead';
    const finished = await this.db.transaction(async (tx) => {
      const txRepo = new DispatchRepository(tx);
      const done = await txRepo.finishAttempt(d.id, d.attempts, {
        status,
        nextAttemptAt: next,
        statusCode: response.status,
        error: response.error,
        at: now,
      });
      if (done) {
        await txRepo.addAttempt(d.id, {
          attempt: d.attempts,
          startedAt,
          durationMs,
          statusCode: response.status,
          error: response.error,
        });
      }
      return done;
    });
    if (!finished) {
      // Our lease ran out and another sender took the delivery over; its result stands.
      return {
        deliveryId: d.id,
        result: 'skipped',
        statusCode: response.status,
        error: response.error,
        nextAttemptAt: null,
      };
    }
    if (ok && current?.status === 'confirmed') await this.markDispatched(d);
    return {
      deliveryId: d.id,
      result: ok ? 'delivered' : next ? 'retry' : 'dead',
      statusCode: response.status,
      error: response.error,
      nextAttemptAt: next,
    };
  }

  private async markDispatched(d: ClaimedDelivery): Promise<void> {
    try {
      await this.cases.markDispatched(d.caseId, {
        actor: `dispatch:${d.subscriber.name}`,
        note: `delivered to ${d.subscriber.name} (delivery ${d.id})`,
      });
    } catch (err) {
      // Another subscriber's delivery (or a callback) got there first: the case moved on already.
      if (!(err instanceof InvalidTransitionError) && !(err instanceof NotFoundError)) throw err;
    }
  }
}
