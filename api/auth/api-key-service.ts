/**
 * API keys: `gwk_<prefix>_<secret>`. The 12-hex-digit prefix is public and finds the row; the
 * 256-bit secret is shown once at creation and only its SHA-256 is stored. A slow password hash
 * would add nothing: the secret is random, not a person's password, and cannot be guessed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../../common/errors.js';
import {
  ApiKeyRepository,
  keyRevocationChannel,
  type ApiKeyRecord,
} from '../../repositories/database-api-keys.js';
import type { Database } from '../../repositories/database-repository.js';
import { isRole, type Role } from './roles.js';

const KEY_PATTERN = /^gwk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Writing last_used_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * A verified key is remembered this long, so most requests skip the key lookup (a round trip to
 * PostgreSQL that cost as much as a case detail). Revocations evict at once through NOTIFY; this
 * only bounds how long one could be missed while the notification connection is down.
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export interface Principal {
  keyId: string;
  prefix: string;
  role: Role;
  name: string | null;
}

export interface ApiKeyInfo {
  prefix: string;
  role: Role;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function info(r: ApiKeyRecord): ApiKeyInfo {
  return {
    prefix: r.prefix,
    role: r.role as Role,
    name: r.name,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
  };
}

/** How an actor appears in the audit trail: readable, and traceable to one key. */
export function actorOf(p: Principal): string {
  return p.name ? `${p.name} [${p.prefix}]` : `[${p.prefix}]`;
}

export class ApiKeyService {
  private readonly touchedAt = new Map<string, number>();
  /** By SHA-256 of the presented key; only filled while revocations are being listened to. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  /** Bumped by every eviction, so a lookup that raced a revocation does not cache its answer. */
  private evictions = 0;
  private watching = false;
  private closed = false;
  private watch: Promise<(() => Promise<void>) | null> | undefined;

  constructor(private readonly db: Database) {}

  /** Returns the full key; it cannot be recovered later. */
  async create(role: string, name?: string): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!isRole(role)) throw new InvalidInputError(`unknown role '${role}'`);
    const cleanName = name?.trim() || null;
    if (cleanName !== null && cleanName.length > 100)
      throw new InvalidInputError('a key name has at most 100 characters');
    const prefix = randomBytes(6).toString('hex');
    const key = `gwk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const record = await new ApiKeyRepository(this.db).insert({
      prefix,
      secretHash: sha256(key).toString('hex'),
      role,
      name: cleanName,
    });
    return { key, info: info(record) };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (await new ApiKeyRepository(this.db).list()).map(info);
  }

  /** False when no active key has this prefix. */
  async revoke(prefix: string): Promise<boolean> {
    const revoked = await new ApiKeyRepository(this.db).revoke(prefix);
    // Here at once; other processes hear of it through the notification.
    this.forget(prefix);
    return revoked;
  }

  /** Stops listening for revocations; verification goes on, uncached. */
  async close(): Promise<void> {
    this.closed = true;
    this.watching = false;
    this.forgetAll();
    const stop = await this.watch;
    await stop?.();
  }

  private startWatching(): void {
    if (this.watch || this.closed) return;
    this.watch = (async () => {
      const channel = await keyRevocationChannel(this.db);
      const stop = await this.db.listen(
        channel,
        (prefix) => this.forget(prefix),
        () => this.forgetAll(),
      );
      if (this.closed) {
        await stop();
        return null;
      }
      this.watching = true;
      return stop;
    })().catch(() => null); // without notifications, keys are simply not cached
  }

  private forget(prefix: string): void {
    this.evictions++;
    for (const [digest, entry] of this.verified) {
      if (entry.principal.prefix === prefix) this.verified.delete(digest);
    }
  }

  private forgetAll(): void {
    this.evictions++;
    this.verified.clear();
  }

  /** The principal for a presented key, or null for anything that is not a live key. */
  async verify(presented: string): Promise<Principal | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    this.startWatching();
    const actual = sha256(presented);
    const digest = actual.toString('hex');
    const hit = this.verified.get(digest);
    if (hit && hit.until > Date.now()) return hit.principal;
    const evictionsBefore = this.evictions;
    const prefix = match[1] as string;
    const repo = new ApiKeyRepository(this.db);
    const record = await repo.findByPrefix(prefix);
    if (!record || record.revokedAt !== null || !isRole(record.role)) return null;
    const expected = Buffer.from(record.secretHash, 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const now = Date.now();
    if (now - (this.touchedAt.get(record.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.touchedAt.set(record.id, now);
      await repo.touch(record.id);
    }
    const principal: Principal = {
      keyId: record.id,
      prefix: record.prefix,
      role: record.role,
      name: record.name,
    };
    if (this.watching && this.evictions === evictionsBefore) {
      if (this.verified.size >= VERIFIED_MAX)
        this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(digest, { principal, until: now + VERIFIED_TTL_MS });
    }
    return principal;
  }
}
