-- Flight analysis on queue workers (issue 7): the plan a flight was split by and each segment's
-- analysis, keyed so that a retried or repeated job finds its work done and writes nothing twice.

CREATE TABLE flight_runs (
  flight_id uuid PRIMARY KEY REFERENCES flights (id) ON DELETE CASCADE,
  -- The VideoPlan (pipeline/pipeline-types.ts): probe, telemetry, wall clock, segments.
  plan jsonb NOT NULL,
  segment_count integer NOT NULL CHECK (segment_count >= 1),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flight_segments (
  flight_id uuid NOT NULL REFERENCES flight_runs (flight_id) ON DELETE CASCADE,
  segment_index integer NOT NULL CHECK (segment_index >= 0),
  -- The SegmentAnalysis: one observation per analysed frame.
  analysis jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flight_id, segment_index)
);
