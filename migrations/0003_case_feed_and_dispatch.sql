-- The live case feed and outbound dispatch webhooks (issue 6).
-- Runs unchanged on PostgreSQL 13+ and on the embedded PGlite store.

-- Live feed. Every insert or update of a case takes the next change number, and each change is
-- announced with NOTIFY after commit on a channel named for the schema, so every process on this
-- database that LISTENs sees it. A client that lost its stream resumes from a change number.
CREATE SEQUENCE case_change_seq;
ALTER TABLE cases ADD COLUMN change_seq bigint;
ALTER TABLE cases ADD COLUMN created_change_seq bigint;
UPDATE cases SET change_seq = nextval('case_change_seq');
UPDATE cases SET created_change_seq = change_seq;
ALTER TABLE cases ALTER COLUMN change_seq SET NOT NULL;
ALTER TABLE cases ALTER COLUMN created_change_seq SET NOT NULL;
CREATE INDEX cases_change_seq ON cases (change_seq);

CREATE FUNCTION gw_case_change_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_seq := nextval('case_change_seq');
  IF TG_OP = 'INSERT' THEN
    NEW.created_change_seq := NEW.change_seq;
  ELSE
    NEW.created_change_seq := OLD.created_change_seq;
  END IF;
  RETURN NEW;
END $$;

-- The channel name must match cases/case-change-bus.ts. Schemas get their own channel so that
-- isolated schemas on one server (tests, tenants) never see each other's cases.
CREATE FUNCTION gw_case_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(
    'gw_cases_' || left(md5(TG_TABLE_SCHEMA), 16),
    json_build_object('id', NEW.id, 'seq', NEW.change_seq, 'created', TG_OP = 'INSERT')::text
  );
  RETURN NULL;
END $$;

CREATE TRIGGER cases_change_stamp BEFORE INSERT OR UPDATE ON cases
  FOR EACH ROW EXECUTE FUNCTION gw_case_change_stamp();
CREATE TRIGGER cases_change_notify AFTER INSERT OR UPDATE ON cases
  FOR EACH ROW EXECUTE FUNCTION gw_case_change_notify();

-- Dispatch: who receives confirmed cases.
CREATE TABLE dispatch_subscribers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  url text NOT NULL,
  -- Readable, not hashed: an HMAC key is needed in clear to sign. Guard the database like the key.
  secret text NOT NULL,
  event_types text[] NOT NULL,
  active boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per case and subscriber: the persisted schedule of its attempts, so a restart loses
-- nothing. 'delivering' rows carry a lease; one whose lease ran out (a crashed sender) is due again.
CREATE TABLE dispatch_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  subscriber_id uuid NOT NULL REFERENCES dispatch_subscribers (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  -- Sent as Idempotency-Key: '<case id>:<subscriber id>'; also what makes enqueueing idempotent.
  idempotency_key text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
  -- Attempts in the current schedule; a manual re-send starts a new schedule.
  attempts integer NOT NULL DEFAULT 0,
  schedule_started_at timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX dispatch_deliveries_due ON dispatch_deliveries (next_attempt_at)
  WHERE status IN ('pending', 'delivering');
CREATE INDEX dispatch_deliveries_status_seq ON dispatch_deliveries (status, seq DESC);
CREATE INDEX dispatch_deliveries_case ON dispatch_deliveries (case_id);

-- Every attempt ever made, for the dead-letter list and for diagnosing a receiver.
CREATE TABLE dispatch_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES dispatch_deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text
);

CREATE INDEX dispatch_attempts_delivery ON dispatch_attempts (delivery_id, id);

-- A case becoming confirmed gets a delivery per active subscriber in the same transaction, so a
-- confirmation can never be committed without its hand-off being scheduled.
CREATE FUNCTION gw_dispatch_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dispatch_deliveries (case_id, subscriber_id, event_type, idempotency_key)
  SELECT NEW.id, s.id, 'case.confirmed', NEW.id::text || ':' || s.id::text
  FROM dispatch_subscribers s
  WHERE s.active AND 'case.confirmed' = ANY (s.event_types)
  ON CONFLICT (idempotency_key) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER cases_dispatch_enqueue AFTER UPDATE OF status ON cases
  FOR EACH ROW WHEN (NEW.status = 'confirmed' AND OLD.status IS DISTINCT FROM 'confirmed')
  EXECUTE FUNCTION gw_dispatch_enqueue();
