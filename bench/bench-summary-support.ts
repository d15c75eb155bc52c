/**
 * Headline figures of a benchmark as structured rows, written where `--summary <file.json>` says,
 * so that `npm run bench` (bench/run-all-benches.ts) can put every bench into one table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SummaryRow {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  /** The target, as text (e.g. "≥ 16", "≤ 50 ms"). */
  target?: string;
  /** The figure over what this machine can do at most (raw session.run, raw ffmpeg decode, …). */
  ratioToLimit?: number;
  note?: string;
}

/** Writes the rows as JSON when a file was asked for; nothing otherwise. */
export function writeSummary(file: string | undefined, rows: readonly SummaryRow[]): void {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}

/** Rounds for display and JSON: 3 significant digits, at most 3 decimals. */
export function round3(v: number): number {
  if (!Number.isFinite(v)) return v;
  const digits = Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.abs(v) || 1))));
  return Number(v.toFixed(digits));
}
