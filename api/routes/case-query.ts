/** Turns the GET /cases query string into service filters, rejecting combinations the schema cannot. */
import { InvalidInputError } from '../../common/errors.js';
import type { BoundingBox, CaseFilters } from '../../cases/case-model.js';
import type { ListCasesQuery } from '../schemas/case-schemas.js';

export function parseBbox(text: string): BoundingBox {
  const [minLon, minLat, maxLon, maxLat] = text.split(',').map(Number) as [number, number, number, number];
  if ([minLon, maxLon].some((v) => v < -180 || v > 180) || [minLat, maxLat].some((v) => v < -90 || v > 90)) {
    throw new InvalidInputError('bbox coordinates are out of range (lon ±180, lat ±90)');
  }
  if (minLon > maxLon || minLat > maxLat)
    throw new InvalidInputError('bbox must be minLon,minLat,maxLon,maxLat');
  return { minLon, minLat, maxLon, maxLat };
}

function parseTime(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new InvalidInputError(`${name} is not a valid time`);
  return d;
}

export function filtersFromQuery(q: ListCasesQuery): CaseFilters {
  const from = parseTime(q.from, 'from');
  const to = parseTime(q.to, 'to');
  if (from && to && from > to) throw new InvalidInputError('from must not be after to');
  return {
    statuses: q.status,
    types: q.type,
    sourceId: q.source,
    zoneId: q.zone,
    firstSeenFrom: from,
    firstSeenTo: to,
    bbox: q.bbox === undefined ? undefined : parseBbox(q.bbox),
  };
}
