/**
 * Evidence of the last few cases as blob: URLs. The files need the Authorization header, so an
 * <img src> cannot fetch them; they are fetched once, kept while the reviewer may come back, and
 * released (URL.revokeObjectURL) when they fall out, so a long shift does not grow the tab.
 */
import type { ApiClient, EvidenceEntry } from './api-client.js';

export interface LoadedEvidence {
  kind: string;
  contentType: string;
  /** blob: URL, or undefined when this file failed to load. */
  url: string | undefined;
  error: string | undefined;
}

/** Images and the clip in the order the page lays them out. */
export const EVIDENCE_ORDER = ['annotated', 'crop', 'start_frame', 'threshold_frame', 'frame', 'clip'];

function rank(kind: string): number {
  const i = EVIDENCE_ORDER.indexOf(kind);
  return i === -1 ? EVIDENCE_ORDER.length : i;
}

export class EvidenceCache {
  private readonly entries = new Map<string, Promise<LoadedEvidence[]>>();
  private readonly urls = new Map<string, string[]>();

  constructor(
    private readonly api: ApiClient,
    private readonly capacity = 8,
  ) {}

  /** The case's evidence, loading it unless already cached; the most recently asked stay. */
  load(caseId: string): Promise<LoadedEvidence[]> {
    const cached = this.entries.get(caseId);
    if (cached) {
      // Refresh its place in the insertion order (the LRU order).
      this.entries.delete(caseId);
      this.entries.set(caseId, cached);
      return cached;
    }
    const loading = this.fetchAll(caseId);
    this.entries.set(caseId, loading);
    // A failed listing is not cached: the next look tries again.
    loading.catch(() => {
      if (this.entries.get(caseId) === loading) this.entries.delete(caseId);
    });
    this.evict(caseId);
    return loading;
  }

  /** Revokes every URL (sign-out). */
  clear(): void {
    for (const list of this.urls.values()) for (const u of list) URL.revokeObjectURL(u);
    this.urls.clear();
    this.entries.clear();
  }

  private evict(keep: string): void {
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      if (id === keep) continue;
      this.entries.delete(id);
      for (const u of this.urls.get(id) ?? []) URL.revokeObjectURL(u);
      this.urls.delete(id);
    }
  }

  private async fetchAll(caseId: string): Promise<LoadedEvidence[]> {
    const list: EvidenceEntry[] = await this.api.evidence(caseId);
    list.sort((a, b) => rank(a.kind) - rank(b.kind));
    const loaded = await Promise.all(
      list.map(async (entry): Promise<LoadedEvidence> => {
        try {
          const blob = await this.api.evidenceBlob(entry);
          const url = URL.createObjectURL(blob);
          return { kind: entry.kind, contentType: entry.contentType, url, error: undefined };
        } catch (err) {
          return { kind: entry.kind, contentType: entry.contentType, url: undefined, error: String(err) };
        }
      }),
    );
    const urls = loaded.flatMap((l) => (l.url ? [l.url] : []));
    if (this.entries.has(caseId)) this.urls.set(caseId, urls);
    // Evicted while loading: nobody will show these.
    else for (const u of urls) URL.revokeObjectURL(u);
    return loaded;
  }
}
