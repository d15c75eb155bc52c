-- Evidence metadata (issue 6, training export): the clean whole frame ('frame' kind) records its
-- size and the object's box in its pixels, so the dataset export can write YOLO labels for it.
-- Null for the kinds that need none.

ALTER TABLE case_evidence ADD COLUMN meta jsonb;
