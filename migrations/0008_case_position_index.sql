-- Bounding-box case lists (issue 6). Without a spatial index a box with few cases made PostgreSQL
-- walk the whole seq index backwards, filtering every case (68 ms amid 100k cases); with this
-- index such a box is a bitmap scan of just its cases (0.2 ms). Dense boxes still take the seq
-- order first, bounded (see CaseRepository.list).

CREATE INDEX cases_position_gist ON cases USING gist (point(longitude, latitude))
  WHERE latitude IS NOT NULL;
