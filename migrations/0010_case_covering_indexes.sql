-- Bounding-box case lists (issue 6), both steps of CaseRepository.listInBox answered from indexes
-- alone, the page's rows read only at the end:
-- * the newest cases' positions come from an index-only scan in seq order (2,000 cases: 1.0 ms
--   reading the table, 0.3 ms from this index);
-- * a box sparse among the newest cases gets the seq of every case in it from the spatial index,
--   which now carries seq and the coordinates (a box holding 9% of 100k cases: 9.2 ms → 1.7 ms).
-- Both measured warm on the bench:api data (migration 0008 has the older figures).

CREATE INDEX cases_seq_position ON cases (seq) INCLUDE (longitude, latitude);
CREATE INDEX cases_position_seq_gist ON cases USING gist (point(longitude, latitude))
  INCLUDE (seq, longitude, latitude) WHERE latitude IS NOT NULL;
DROP INDEX cases_position_gist;
