-- Evidence files of a case (issue 6): one row per kind, written after the file is stored.
-- The unique (case_id, kind) makes a retried render a no-op instead of a second row.

CREATE TABLE case_evidence (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
  -- Object-store key (storage/storage-keys.ts); content-addressed, so it never changes meaning.
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 512),
  content_type text NOT NULL,
  bytes bigint NOT NULL CHECK (bytes >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, kind)
);
