/** Gridwatch's own vocabulary. Rules speak only these labels, whatever model produced them. */
export const DETECTION_LABELS = [
  'vehicle',
  'person',
  'vendor_stall',
  'waste_bin',
  'bin_overflow',
  'garbage_pile',
] as const;
export const SEGMENTATION_LABELS = ['background', 'bare_soil', 'covered_soil', 'vegetation'] as const;

export type DetectionLabel = (typeof DETECTION_LABELS)[number];
export type SegmentationLabel = (typeof SEGMENTATION_LABELS)[number];
export type CanonicalLabel = DetectionLabel | SegmentationLabel;
