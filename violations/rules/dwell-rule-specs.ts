import type { ZoneType } from '../config/source-config-schema.js';
import { touchesBin } from './bin-contact.js';
import type { DwellRuleSpec } from './dwell-rule.js';

/** Rubbish may lie anywhere; a zone, when it is in one, only names the place. */
const ANY_ZONE: readonly ZoneType[] = [
  'bin_area',
  'construction_site',
  'no_parking',
  'pavement',
  'roadway',
  'vending_allowed',
];

export const ILLEGAL_PARKING: DwellRuleSpec = {
  type: 'illegal_parking',
  label: 'vehicle',
  zoneFor: (x, y, _t, ctx) => ctx.zones.firstAt(x, y, ['no_parking'])?.id ?? null,
};

export const STREET_VENDOR: DwellRuleSpec = {
  type: 'street_vendor',
  label: 'vendor_stall',
  zoneFor: (x, y, _t, ctx) =>
    ctx.zones.anyAt(x, y, ['vending_allowed'])
      ? null
      : (ctx.zones.firstAt(x, y, ['roadway', 'pavement'])?.id ?? null),
};

/** A pile touching a bin is the bin-overflow rule's business, not loose rubbish. */
export const GARBAGE_PILE: DwellRuleSpec = {
  type: 'garbage_pile',
  label: 'garbage_pile',
  zoneFor: (x, y, track, ctx) =>
    touchesBin(track, ctx.tracks) ? null : (ctx.zones.firstAt(x, y, ANY_ZONE)?.id ?? 'frame'),
};
