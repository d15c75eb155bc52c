/**
 * The API as the page uses it. Every request carries the key in an Authorization header, never in
 * a URL (URLs end up in logs, history and Referer headers); evidence is fetched the same way and
 * shown through blob: URLs for that reason.
 */
import type { Case, CaseEvent, RejectReason, ViolationType } from '../../cases/case-model.js';

export interface Me {
  role: string;
  name: string | null;
  prefix: string;
  actor: string;
}

export interface CategoryInfo {
  standard: string;
  items: Array<{ code: string; name: string; fullCode: string | null }>;
  defaults: Partial<Record<ViolationType, string>>;
}

export interface MapSource {
  id: string;
  name: string | null;
  kind: string | null;
  position: { lat: number; lon: number } | null;
}

export interface EvidenceEntry {
  kind: string;
  contentType: string;
  bytes: number;
  sha256: string;
  url: string;
}

export interface CaseQuery {
  types?: ViolationType[];
  source?: string;
  from?: string | null;
  to?: string | null;
  limit?: number;
  cursor?: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    return new ApiError(
      res.status,
      body.error?.code ?? `HTTP_${res.status}`,
      body.error?.message ?? res.statusText,
      (body.error?.details as Record<string, unknown> | undefined) ?? undefined,
    );
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, res.statusText || `HTTP ${res.status}`);
  }
}

export class ApiClient {
  /** Called on any 401, so the page can send the reviewer back to sign-in. */
  onUnauthorized: (() => void) | undefined;

  constructor(
    private readonly key: string,
    private readonly base = '',
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.key}`, ...extra };
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { ...this.headers(), ...(init.headers as Record<string, string> | undefined) },
      credentials: 'omit',
      cache: init.cache ?? 'no-store',
    });
    if (res.status === 401) this.onUnauthorized?.();
    return res;
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.fetch(path, init);
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  me(): Promise<Me> {
    return this.json<Me>('/me');
  }

  categories(): Promise<CategoryInfo> {
    return this.json<CategoryInfo>('/categories');
  }

  async mapSources(): Promise<MapSource[]> {
    return (await this.json<{ items: MapSource[] }>('/map/sources')).items;
  }

  listCandidates(q: CaseQuery): Promise<{ items: Case[]; nextCursor: string | null }> {
    const params = new URLSearchParams({ status: 'candidate', limit: String(q.limit ?? 100) });
    for (const type of q.types ?? []) params.append('type', type);
    if (q.source) params.set('source', q.source);
    if (q.from) params.set('from', q.from);
    if (q.to) params.set('to', q.to);
    if (q.cursor) params.set('cursor', q.cursor);
    return this.json(`/cases?${params.toString()}`);
  }

  getCase(id: string): Promise<Case> {
    return this.json<Case>(`/cases/${encodeURIComponent(id)}`);
  }

  async events(id: string): Promise<CaseEvent[]> {
    return (await this.json<{ items: CaseEvent[] }>(`/cases/${encodeURIComponent(id)}/events`)).items;
  }

  async evidence(id: string): Promise<EvidenceEntry[]> {
    return (await this.json<{ items: EvidenceEntry[] }>(`/cases/${encodeURIComponent(id)}/evidence`)).items;
  }

  /** Evidence bytes, for a blob: URL. */
  async evidenceBlob(entry: EvidenceEntry, signal?: AbortSignal): Promise<Blob> {
    // The list gives API-relative paths; anything else is refused rather than sent the key.
    if (!entry.url.startsWith('/cases/'))
      throw new ApiError(0, 'BAD_URL', `unexpected evidence URL ${entry.url}`);
    const res = await this.fetch(entry.url, { cache: 'default', ...(signal ? { signal } : {}) });
    if (!res.ok) throw await errorOf(res);
    return res.blob();
  }

  /**
   * `keepalive` lets a decision sent while the page is closing still reach the server; its body
   * limit (64 KiB) is far above a decision's size.
   */
  confirm(c: Case, keepalive = false): Promise<Case> {
    return this.json<Case>(`/cases/${encodeURIComponent(c.id)}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: c.version }),
      keepalive,
    });
  }

  reject(c: Case, reason: RejectReason, text: string | undefined, keepalive = false): Promise<Case> {
    return this.json<Case>(`/cases/${encodeURIComponent(c.id)}/reject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: c.version, reason, ...(text ? { text } : {}) }),
      keepalive,
    });
  }
}
