/** SQL for drone flight uploads and their processing status. */
import type { Queryable } from './database-repository.js';

export const FLIGHT_STATUSES = ['queued', 'processing', 'done', 'failed'] as const;
export type FlightStatus = (typeof FLIGHT_STATUSES)[number];

export interface FlightRecord {
  id: string;
  seq: number;
  sourceId: string | null;
  status: FlightStatus;
  progress: number;
  error: string | null;
  videoPath: string;
  videoBytes: number;
  videoFormat: string;
  videoName: string | null;
  srtPath: string | null;
  srtBytes: number | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

interface FlightRow {
  id: string;
  seq: number;
  source_id: string | null;
  status: FlightStatus;
  progress: number;
  error: string | null;
  video_path: string;
  video_bytes: number;
  video_format: string;
  video_name: string | null;
  srt_path: string | null;
  srt_bytes: number | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

function toRecord(r: FlightRow): FlightRecord {
  return {
    id: r.id,
    seq: r.seq,
    sourceId: r.source_id,
    status: r.status,
    progress: r.progress,
    error: r.error,
    videoPath: r.video_path,
    videoBytes: r.video_bytes,
    videoFormat: r.video_format,
    videoName: r.video_name,
    srtPath: r.srt_path,
    srtBytes: r.srt_bytes,
    metadata: r.metadata,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface NewFlight {
  id: string;
  sourceId: string | null;
  videoPath: string;
  videoBytes: number;
  videoFormat: string;
  videoName: string | null;
  srtPath: string | null;
  srtBytes: number | null;
  metadata: Record<string, unknown>;
}

export interface FlightChange {
  status?: FlightStatus;
  progress?: number;
  /** null clears it. */
  error?: string | null;
}

export class FlightRepository {
  constructor(private readonly db: Queryable) {}

  async insert(f: NewFlight): Promise<FlightRecord> {
    const res = await this.db.query<FlightRow>(
      `INSERT INTO flights (id, source_id, video_path, video_bytes, video_format, video_name, srt_path, srt_bytes,
         metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING *`,
      [
        f.id,
        f.sourceId,
        f.videoPath,
        f.videoBytes,
        f.videoFormat,
        f.videoName,
        f.srtPath,
        f.srtBytes,
        JSON.stringify(f.metadata),
      ],
    );
    return toRecord(res.rows[0] as FlightRow);
  }

  async findById(id: string): Promise<FlightRecord | undefined> {
    const res = await this.db.query<FlightRow>('SELECT * FROM flights WHERE id = $1', [id]);
    const row = res.rows[0];
    return row ? toRecord(row) : undefined;
  }

  /** Applies the change only when the flight is in one of `from`; undefined otherwise. */
  async change(
    id: string,
    from: readonly FlightStatus[],
    change: FlightChange,
  ): Promise<FlightRecord | undefined> {
    const res = await this.db.query<FlightRow>(
      `UPDATE flights SET status = COALESCE($3::text, status), progress = COALESCE($4::double precision, progress),
         error = CASE WHEN $5::boolean THEN $6::text ELSE error END, updated_at = now()
       WHERE id = $1 AND status = ANY($2::text[])
       RETURNING *`,
      [
        id,
        from,
        change.status ?? null,
        change.progress ?? null,
        change.error !== undefined,
        change.error ?? null,
      ],
    );
    const row = res.rows[0];
    return row ? toRecord(row) : undefined;
  }

  /** Newest first, strictly before `beforeSeq` when given. */
  async list(
    filters: { statuses?: FlightStatus[] | undefined; sourceId?: string | undefined },
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<FlightRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filters.statuses?.length) add((p) => `status = ANY(${p}::text[])`, filters.statuses);
    if (filters.sourceId !== undefined) add((p) => `source_id = ${p}`, filters.sourceId);
    if (beforeSeq !== undefined) add((p) => `seq < ${p}`, beforeSeq);
    params.push(limit);
    const res = await this.db.query<FlightRow>(
      `SELECT * FROM flights ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return res.rows.map(toRecord);
  }
}
