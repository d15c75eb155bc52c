/**
 * API keys: `gwk_<prefix>_<secret>`. The 12-hex-digit prefix is public and finds the row; the
 * 256-bit secret is shown once at creation and only its SHA-256 is stored. A slow password hash
 * would add nothing: the secret is random, not a person's password, and cannot be guessed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../../common/errors.js';
import { ApiKeyRepository, type ApiKeyRecord } from '../../repositories/database-api-keys.js';
import type { Database } from '../../repositories/database-repository.js';
import { isRole, type Role } from './roles.js';

const KEY_PATTERN = /^gwk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Writing last_used_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

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
    return new ApiKeyRepository(this.db).revoke(prefix);
  }

  /** The principal for a presented key, or null for anything that is not a live key. */
  async verify(presented: string): Promise<Principal | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    const prefix = match[1] as string;
    const repo = new ApiKeyRepository(this.db);
    const record = await repo.findByPrefix(prefix);
    if (!record || record.revokedAt !== null || !isRole(record.role)) return null;
    const expected = Buffer.from(record.secretHash, 'hex');
    const actual = sha256(presented);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const now = Date.now();
    if (now - (this.touchedAt.get(record.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.touchedAt.set(record.id, now);
      await repo.touch(record.id);
    }
    return { keyId: record.id, prefix: record.prefix, role: record.role, name: record.name };
  }
}
