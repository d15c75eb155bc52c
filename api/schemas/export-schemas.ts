/** Schemas of the training-data export. */
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../cases/schema-types.js';
import { DECIDED_STATUSES } from '../../export/dataset-export.js';

export const ExportQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'decided_at ≥ from' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'decided_at < to' })),
    status: Type.Optional(
      Type.Array(StringEnum(DECIDED_STATUSES), {
        maxItems: DECIDED_STATUSES.length,
        description: 'Repeatable; default every decided status',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TAR_CONTENT_TYPE = 'application/x-tar';

export const DatasetResponseSchema = {
  description:
    'A tar archive: decisions.csv, data.yaml, images/ + labels/ (YOLO) where boxes are known, crops/ otherwise',
  content: { [TAR_CONTENT_TYPE]: { schema: Type.String({ format: 'binary' }) } },
};
