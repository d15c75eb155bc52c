-- Drone flight uploads awaiting or undergoing analysis (issue 6).

CREATE TABLE flights (
  id uuid PRIMARY KEY,
  -- Insertion order for keyset pagination.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  source_id text,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'failed')),
  progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  error text,
  -- Paths relative to GRIDWATCH_DATA_DIR, so the data folder can move.
  video_path text NOT NULL,
  video_bytes bigint NOT NULL,
  video_format text NOT NULL CHECK (video_format IN ('mp4', 'mov', 'matroska', 'webm')),
  video_name text,
  srt_path text,
  srt_bytes bigint,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX flights_status_seq ON flights (status, seq DESC);
