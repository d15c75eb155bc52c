-- Cases, their audit trail, camera sources and API keys (issue 6).
-- Runs unchanged on PostgreSQL 13+ and on the embedded PGlite store.

CREATE TABLE cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Insertion order for keyset pagination: unlike created_at it never ties and never goes backwards.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- The violation engine's deterministic id: retried jobs update the case instead of duplicating it.
  violation_id text NOT NULL UNIQUE,
  violation_type text NOT NULL
    CHECK (violation_type IN ('illegal_parking', 'street_vendor', 'bin_overflow', 'exposed_soil', 'garbage_pile')),
  category_code text NOT NULL,
  category_name text NOT NULL,
  category_full_code text,
  status text NOT NULL DEFAULT 'candidate'
    CHECK (status IN ('candidate', 'confirmed', 'rejected', 'dispatched', 'closed', 'expired')),
  confidence double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  source_id text NOT NULL,
  zone_id text,
  latitude double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude double precision CHECK (longitude BETWEEN -180 AND 180),
  address text,
  grid_cell text,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  dwell_seconds double precision NOT NULL CHECK (dwell_seconds >= 0),
  model_name text,
  model_version text,
  rule_params jsonb NOT NULL DEFAULT '{}',
  evidence jsonb NOT NULL DEFAULT '[]',
  description text,
  reject_reason text
    CHECK (reject_reason IN ('false_detection', 'not_a_violation', 'duplicate', 'other')),
  reject_text text,
  closure text CHECK (closure IN ('normal', 'overdue', 'erroneous', 'special')),
  decided_at timestamptz,
  decided_by text,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((latitude IS NULL) = (longitude IS NULL)),
  CHECK (last_seen >= first_seen)
);

CREATE INDEX cases_status_seq ON cases (status, seq DESC);
CREATE INDEX cases_type_seq ON cases (violation_type, seq DESC);
CREATE INDEX cases_source_seq ON cases (source_id, seq DESC);
CREATE INDEX cases_first_seen ON cases (first_seen);
CREATE INDEX cases_decided_at ON cases (decided_at) WHERE decided_at IS NOT NULL;

-- Append-only: one row per change of a case, written in the same transaction as the change.
CREATE TABLE case_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  from_status text,
  to_status text,
  reason text,
  details jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX case_events_case ON case_events (case_id, id);

-- Camera configuration is owned by violations/ (zones, schedules, rules); the store keeps it whole.
CREATE TABLE sources (
  id text PRIMARY KEY,
  config jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Public part of the key, used to find the row; the secret is only ever stored hashed.
  prefix text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'uploader', 'dispatch')),
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
