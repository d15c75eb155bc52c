/**
 * HTTP Range and conditional-request decisions for evidence downloads (RFC 9110 §13–14), kept
 * apart from Fastify so the rules are tested on their own. Only single byte ranges are served;
 * a multi-range request gets the whole file, which the RFC allows.
 */

export type RangeDecision =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: RangeDecision = { kind: 'full' };
const UNSATISFIABLE: RangeDecision = { kind: 'unsatisfiable' };

/**
 * What to serve for a `Range` header and an object of `size` bytes. Unparseable headers and other
 * units are ignored (a full response), as the RFC requires of a server that does not understand them.
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return FULL;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return FULL;
  const spec = (m[1] ?? '').trim();
  if (spec.includes(',')) return FULL;
  const parts = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!parts) return FULL;
  const [, first = '', last = ''] = parts;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return FULL;
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'partial', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

function tags(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/** If-None-Match: true when the client's copy is current (answer 304). Weak comparison, as specified. */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return tags(ifNoneMatch).includes(etag);
}

/** If-Range: the range applies only while the representation is the one the client has (strong match). */
export function rangeStillApplies(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}
