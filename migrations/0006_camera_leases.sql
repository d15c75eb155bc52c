-- Live cameras are long-running work: one worker owns a camera at a time through a lease it keeps
-- renewing; when it dies, the lease runs out and another worker takes the camera over (issue 7).

CREATE TABLE camera_leases (
  source_id text PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
  -- Which worker holds it (host:pid:random), for operators; the token is what proves ownership.
  owner text NOT NULL,
  -- New on every acquisition: writes fenced by it are refused once another worker took over.
  token uuid NOT NULL,
  -- Database time, so workers on machines with skewed clocks agree on when a lease is free.
  expires_at timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX camera_leases_expires_at ON camera_leases (expires_at);

-- The violation engine's state of each camera (tracks, dwell, open violations, clock), saved
-- after every batch by the lease holder, so the next holder resumes tracking where it stopped.
-- It goes with its source: the state only means something with that configuration.
CREATE TABLE camera_state (
  source_id text PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
