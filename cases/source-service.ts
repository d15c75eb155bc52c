/**
 * Camera sources: create, read, replace, delete. The store keeps each configuration whole; the
 * strict meaning of zones, schedules and rules belongs to violations/, whose validator can be
 * plugged in here so the API rejects what the pipeline could not run.
 */
import { InvalidInputError } from '../common/errors.js';
import { sqlState, UNIQUE_VIOLATION, type Database } from '../repositories/database-repository.js';
import { SourceRepository, type SourceRecord } from '../repositories/database-sources.js';
import { AlreadyExistsError, NotFoundError, VersionConflictError } from './case-errors.js';
import type { Page } from './case-model.js';
import { decodeKeyCursor, encodeCursor, pageLimit } from './page-cursor.js';
import { MASKED_PASSWORD, maskPassword, restorePassword } from './rtsp-credentials.js';

export interface SourceConfig extends Record<string, unknown> {
  id: string;
  rtspUrl?: string;
}

/** Throws InvalidInputError when a configuration cannot run. */
export type SourceValidator = (config: SourceConfig) => void;

const CURSOR_KIND = 'sources';
export const MAX_SOURCE_PAGE = 500;

/** The record as clients may see it: credentials masked. */
function publicView(r: SourceRecord): SourceRecord {
  const url = r.config.rtspUrl;
  return typeof url === 'string' ? { ...r, config: { ...r.config, rtspUrl: maskPassword(url) } } : r;
}

export class SourceService {
  constructor(
    private readonly db: Database,
    private readonly validate: SourceValidator = () => {},
  ) {}

  async create(config: SourceConfig): Promise<SourceRecord> {
    this.checkCredentials(config);
    this.validate(config);
    try {
      const created = await new SourceRepository(this.db).insert(config.id, config);
      if (!created) throw new AlreadyExistsError('source', config.id);
      return publicView(created);
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw new AlreadyExistsError('source', config.id);
      throw err;
    }
  }

  async get(id: string): Promise<SourceRecord> {
    const found = await new SourceRepository(this.db).find(id);
    if (!found) throw new NotFoundError('source', id);
    return publicView(found);
  }

  async list(
    page: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<SourceRecord>> {
    const limit = pageLimit(page.limit, 100, MAX_SOURCE_PAGE);
    const after = page.cursor === undefined ? undefined : decodeKeyCursor(CURSOR_KIND, page.cursor);
    const rows = await new SourceRepository(this.db).list(after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(publicView),
      nextCursor: rows.length > limit && last ? encodeCursor(CURSOR_KIND, last.id) : null,
    };
  }

  async replace(id: string, config: SourceConfig, expectedVersion?: number): Promise<SourceRecord> {
    if (config.id !== id)
      throw new InvalidInputError(`the body's id '${config.id}' differs from the path's '${id}'`);
    return this.db.transaction(async (tx) => {
      const repo = new SourceRepository(tx);
      const current = await repo.find(id, { lock: true });
      if (!current) throw new NotFoundError('source', id);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new VersionConflictError('source', id, expectedVersion, current);
      }
      const next = { ...config };
      if (typeof next.rtspUrl === 'string') {
        const stored = current.config.rtspUrl;
        next.rtspUrl = restorePassword(next.rtspUrl, typeof stored === 'string' ? stored : undefined);
      }
      this.checkCredentials(next);
      this.validate(next);
      return publicView(await repo.replace(id, next));
    });
  }

  async delete(id: string): Promise<void> {
    if (!(await new SourceRepository(this.db).delete(id))) throw new NotFoundError('source', id);
  }

  /**
   * A camera needs a stream. The password placeholder only means "keep the stored one" in an
   * update of the same camera; stored as such it would be a wrong password.
   */
  private checkCredentials(config: SourceConfig): void {
    if (config.kind === 'camera' && typeof config.rtspUrl !== 'string') {
      throw new InvalidInputError('a camera needs an rtspUrl');
    }
    if (typeof config.rtspUrl !== 'string') return;
    if (URL.canParse(config.rtspUrl) && new URL(config.rtspUrl).password === MASKED_PASSWORD) {
      throw new InvalidInputError(
        'rtspUrl carries the masked password; send the real one for a new camera or host',
      );
    }
  }
}
