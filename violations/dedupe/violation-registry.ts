import { InvalidInputError } from '../../common/errors.js';
import type { PlaceAnchor, ViolationCandidate } from '../rules/rule-types.js';
import type { CloseReason, Violation, ViolationEvent } from '../violation-types.js';
import { placeCell, samePlace, type PlaceOptions } from './place.js';

export interface DedupeOptions extends PlaceOptions {
  /** Close a violation nobody has supported for this long; null: only flush or suppress close it. */
  closeAfterSeconds: number | null;
  /** After a close, the same place cannot open again for this long. */
  suppressAfterCloseSeconds: number;
  /** An open violation is re-sent at least this often while it persists. */
  updateIntervalSeconds: number;
}

export const DEFAULT_DEDUPE_OPTIONS: Readonly<DedupeOptions> = {
  placeIou: 0.3,
  groundRadiusM: 10,
  placeCellFraction: 0.05,
  closeAfterSeconds: 120,
  suppressAfterCloseSeconds: 300,
  updateIntervalSeconds: 60,
};

/** How much an area may change before an update is worth sending. */
const AREA_CHANGE = 0.02;
const MAX_RECENT = 256;

interface OpenRecord {
  violation: Violation;
  anchor: PlaceAnchor;
  lastSupportS: number;
  lastEmitS: number;
  bestQuality: number;
}

interface Suppression {
  placeKey: string;
  type: string;
  zoneId: string;
  /** Null when only the key is known (a place this process never saw). */
  anchor: PlaceAnchor | null;
  untilS: number;
}

/** A closed violation, remembered so `suppress()` can find its place and ids stay unique. */
interface RecentPlace {
  id: string;
  placeKey: string;
  type: string;
  zoneId: string;
  anchor: PlaceAnchor;
}

export interface DedupeSnapshot {
  version: 1;
  open: OpenRecord[];
  suppressions: Suppression[];
  recent: RecentPlace[];
}

/**
 * One open violation per (source, type, zone, place), above track ids: a re-found track or a
 * second flight over the same patch updates the open violation instead of opening another, and
 * a place that was just closed or rejected stays quiet for a while.
 */
export class ViolationRegistry {
  private open: OpenRecord[] = [];
  private suppressions: Suppression[] = [];
  private recent: RecentPlace[] = [];
  suppressedCount = 0;

  constructor(
    private readonly sourceId: string,
    private readonly useGround: boolean,
    readonly options: DedupeOptions,
  ) {}

  openViolations(): Violation[] {
    return this.open.map((r) => structuredClone(r.violation));
  }

  observe(candidates: readonly ViolationCandidate[], timeS: number): ViolationEvent[] {
    this.suppressions = this.suppressions.filter((s) => s.untilS > timeS);
    const touched = new Map<OpenRecord, { opened: boolean; changed: boolean }>();
    for (const c of candidates) {
      const rec = this.open.find(
        (r) =>
          r.violation.type === c.type &&
          r.violation.zoneId === c.zoneId &&
          samePlace(r.anchor, c.anchor, this.useGround, this.options),
      );
      if (rec) {
        const changed = this.merge(rec, c);
        const t = touched.get(rec);
        touched.set(rec, { opened: t?.opened ?? false, changed: (t?.changed ?? false) || changed });
        continue;
      }
      if (!c.met) continue;
      if (this.isSuppressed(c)) {
        this.suppressedCount++;
        continue;
      }
      const created = this.create(c);
      this.open.push(created);
      touched.set(created, { opened: true, changed: true });
    }

    const events: ViolationEvent[] = [];
    for (const [rec, t] of touched) {
      if (t.opened) {
        rec.lastEmitS = timeS;
        events.push({ kind: 'opened', violation: structuredClone(rec.violation) });
      } else if (t.changed || timeS - rec.lastEmitS >= this.options.updateIntervalSeconds) {
        rec.lastEmitS = timeS;
        events.push({ kind: 'updated', violation: structuredClone(rec.violation) });
      }
    }
    const closeAfter = this.options.closeAfterSeconds;
    if (closeAfter !== null) {
      for (const rec of [...this.open]) {
        if (timeS - rec.lastSupportS > closeAfter) events.push(this.close(rec, timeS, 'ended'));
      }
    }
    return events;
  }

  /** Closes every open violation (end of stream). */
  closeAll(timeS: number, reason: CloseReason): ViolationEvent[] {
    return [...this.open].map((rec) => this.close(rec, timeS, reason));
  }

  /**
   * Keeps `placeKey` from opening until `untilS` (engine timeline), closing its open violation if
   * there is one: what case review calls after a rejection or a closed case.
   */
  suppress(placeKey: string, untilS: number, timeS: number): ViolationEvent[] {
    const events: ViolationEvent[] = [];
    const rec = this.open.find((r) => r.violation.placeKey === placeKey);
    if (rec) events.push(this.close(rec, timeS, 'suppressed'));
    const place = this.recent.findLast((p) => p.placeKey === placeKey);
    const [type = '', zoneId = ''] = placeKey.split(':');
    this.addSuppression({
      placeKey,
      type: place?.type ?? type,
      zoneId: place?.zoneId ?? zoneId,
      anchor: place ? structuredClone(place.anchor) : null,
      untilS,
    });
    return events;
  }

  private isSuppressed(c: ViolationCandidate): boolean {
    if (this.suppressions.length === 0) return false;
    const key = this.placeKeyOf(c);
    return this.suppressions.some((s) =>
      s.anchor
        ? s.type === c.type &&
          s.zoneId === c.zoneId &&
          s.untilS > c.timeS &&
          samePlace(s.anchor, c.anchor, this.useGround, this.options)
        : s.placeKey === key && s.untilS > c.timeS,
    );
  }

  private placeKeyOf(c: ViolationCandidate): string {
    return `${c.type}:${c.zoneId}:${placeCell(c.anchor, this.useGround, this.options)}`;
  }

  private create(c: ViolationCandidate): OpenRecord {
    // Two objects in one coarse cell (small, distant cars) must not share a key or an id.
    const base = this.placeKeyOf(c);
    let placeKey = base;
    for (let n = 2; this.open.some((r) => r.violation.placeKey === placeKey); n++) placeKey = `${base}~${n}`;
    // A place reopening after a suppression window may still date from the same dwell start.
    const baseId = `${this.sourceId}:${placeKey}:${Math.round(c.sinceS)}`;
    let id = baseId;
    for (let n = 2; this.recent.some((p) => p.id === id); n++) id = `${baseId}~${n}`;
    const violation: Violation = {
      id,
      type: c.type,
      sourceId: this.sourceId,
      zoneId: c.zoneId,
      placeKey,
      trackIds: [...c.trackIds],
      firstSeenS: c.sinceS,
      lastSeenS: c.timeS,
      dwellS: c.timeS - c.sinceS,
      evidence: {
        ...(c.start ? { start: c.start } : {}),
        threshold: c.current,
        best: c.best ?? c.current,
      },
      confidence: c.confidence,
      ruleParams: structuredClone(c.ruleParams),
    };
    if (c.ground) violation.ground = { ...c.ground };
    if (c.areaM2 !== undefined) violation.areaM2 = c.areaM2;
    if (c.polygon) violation.polygon = structuredClone(c.polygon);
    return {
      violation: structuredClone(violation),
      anchor: structuredClone(c.anchor),
      lastSupportS: c.timeS,
      lastEmitS: c.timeS,
      bestQuality: c.best ? c.bestQuality : -1,
    };
  }

  private merge(rec: OpenRecord, c: ViolationCandidate): boolean {
    const v = rec.violation;
    let changed = false;
    rec.lastSupportS = Math.max(rec.lastSupportS, c.timeS);
    v.lastSeenS = Math.max(v.lastSeenS, c.timeS);
    v.dwellS = v.lastSeenS - v.firstSeenS;
    for (const id of c.trackIds) {
      if (!v.trackIds.includes(id)) {
        v.trackIds.push(id);
        changed = true;
      }
    }
    if (c.best && c.bestQuality > rec.bestQuality) {
      rec.bestQuality = c.bestQuality;
      v.evidence.best = structuredClone(c.best);
      changed = true;
    }
    v.confidence = Math.max(v.confidence, c.confidence);
    if (c.areaM2 !== undefined) {
      if (v.areaM2 === undefined || Math.abs(c.areaM2 - v.areaM2) > AREA_CHANGE * v.areaM2) changed = true;
      v.areaM2 = c.areaM2;
    }
    if (c.polygon) v.polygon = structuredClone(c.polygon);
    if (c.ground) v.ground = { ...c.ground };
    // Only a candidate that itself qualifies may move the place; a neighbour merely keeps it alive.
    if (c.met) rec.anchor = structuredClone(c.anchor);
    return changed;
  }

  private close(rec: OpenRecord, timeS: number, reason: CloseReason): ViolationEvent {
    this.open = this.open.filter((r) => r !== rec);
    const v = rec.violation;
    this.recent.push({ id: v.id, placeKey: v.placeKey, type: v.type, zoneId: v.zoneId, anchor: rec.anchor });
    if (this.recent.length > MAX_RECENT) this.recent.shift();
    this.addSuppression({
      placeKey: v.placeKey,
      type: v.type,
      zoneId: v.zoneId,
      anchor: structuredClone(rec.anchor),
      untilS: timeS + this.options.suppressAfterCloseSeconds,
    });
    return { kind: 'closed', violation: structuredClone(v), reason };
  }

  private addSuppression(s: Suppression): void {
    const existing = this.suppressions.find((x) => x.placeKey === s.placeKey);
    if (existing) {
      existing.untilS = Math.max(existing.untilS, s.untilS);
      existing.anchor ??= s.anchor;
    } else {
      this.suppressions.push(s);
    }
  }

  snapshot(): DedupeSnapshot {
    return structuredClone({
      version: 1,
      open: this.open,
      suppressions: this.suppressions,
      recent: this.recent,
    });
  }

  restore(s: DedupeSnapshot): void {
    if (!s || s.version !== 1 || !Array.isArray(s.open) || !Array.isArray(s.suppressions)) {
      throw new InvalidInputError('dedupe snapshot is not a version-1 snapshot');
    }
    const copy = structuredClone(s);
    this.open = copy.open;
    this.suppressions = copy.suppressions;
    this.recent = Array.isArray(copy.recent) ? copy.recent : [];
  }
}
