-- Group sessions (issue 17): a doctor opens a session with its own time, fee and up to 50 places;
-- each booked place is an appointment row (`group_session_id`), so payments, refunds, emails and the
-- patient's lists work for places as for single appointments.
CREATE TABLE group_sessions (
  id            text PRIMARY KEY,
  doctor_id     text NOT NULL REFERENCES doctors(id),
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  slot_date     text NOT NULL CHECK (slot_date ~ '^\d{4}-\d{2}-\d{2}$'),
  slot_time     text NOT NULL CHECK (slot_time ~ '^\d{2}:\d{2} (AM|PM)$'),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  -- the interval the session holds in the doctor's schedule: its time plus the doctor's buffer
  blocks        tstzrange NOT NULL,
  capacity      integer NOT NULL CHECK (capacity BETWEEN 1 AND 50),
  -- live places, kept by the trigger below; the CHECK is what refuses the place after the last one
  booked        integer NOT NULL DEFAULT 0,
  fee_minor     integer NOT NULL CHECK (fee_minor >= 0),
  currency      text NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
  cancel_reason text,
  cancelled_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CONSTRAINT group_sessions_capacity CHECK (booked BETWEEN 0 AND capacity),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX group_sessions_doctor_starts_idx ON group_sessions (doctor_id, starts_at);

ALTER TABLE appointments ADD COLUMN group_session_id text REFERENCES group_sessions(id);
-- one live place per patient in a session
CREATE UNIQUE INDEX appointments_one_place_per_patient ON appointments (group_session_id, patient_id)
  WHERE group_session_id IS NOT NULL AND status <> 'cancelled';

-- The places of one session share its interval, so they leave the single-appointment exclusion
-- constraint; the doctor's whole schedule is guarded by schedule_blocks below instead.
ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap;
ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
  EXCLUDE USING gist (doctor_id WITH =, blocks WITH &&) WHERE (status <> 'cancelled' AND group_session_id IS NULL);

-- Everything that holds time in a doctor's schedule, single appointments and open group sessions
-- alike, kept by triggers: one exclusion constraint refuses a session over an appointment, an
-- appointment inside a session, and two overlapping sessions.
CREATE TABLE schedule_blocks (
  owner_id  text PRIMARY KEY,
  kind      text NOT NULL CHECK (kind IN ('appointment', 'group_session')),
  doctor_id text NOT NULL,
  blocks    tstzrange NOT NULL,
  CONSTRAINT schedule_blocks_no_overlap EXCLUDE USING gist (doctor_id WITH =, blocks WITH &&)
);
INSERT INTO schedule_blocks (owner_id, kind, doctor_id, blocks)
  SELECT id, 'appointment', doctor_id, blocks FROM appointments WHERE status <> 'cancelled';

CREATE FUNCTION appointments_schedule_block() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.blocks = NEW.blocks AND OLD.doctor_id = NEW.doctor_id
     AND (OLD.status <> 'cancelled') = (NEW.status <> 'cancelled') THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM schedule_blocks WHERE owner_id = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'cancelled' AND NEW.group_session_id IS NULL THEN
    INSERT INTO schedule_blocks (owner_id, kind, doctor_id, blocks) VALUES (NEW.id, 'appointment', NEW.doctor_id, NEW.blocks);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER appointments_schedule_block
  AFTER INSERT OR UPDATE OR DELETE ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_schedule_block();

CREATE FUNCTION group_sessions_schedule_block() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.blocks = NEW.blocks AND OLD.status = NEW.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM schedule_blocks WHERE owner_id = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'open' THEN
    INSERT INTO schedule_blocks (owner_id, kind, doctor_id, blocks) VALUES (NEW.id, 'group_session', NEW.doctor_id, NEW.blocks);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER group_sessions_schedule_block
  AFTER INSERT OR UPDATE OR DELETE ON group_sessions
  FOR EACH ROW EXECUTE FUNCTION group_sessions_schedule_block();

-- Places counted in the session row, in the transaction that books or cancels one. Concurrent
-- bookings queue on the session row; the one that would pass the capacity fails the CHECK, and a
-- place is taken only while the session is open.
CREATE FUNCTION appointments_count_place() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  was_live boolean := TG_OP <> 'INSERT' AND OLD.group_session_id IS NOT NULL AND OLD.status <> 'cancelled';
  is_live boolean := TG_OP <> 'DELETE' AND NEW.group_session_id IS NOT NULL AND NEW.status <> 'cancelled';
BEGIN
  IF was_live AND NOT is_live THEN
    UPDATE group_sessions SET booked = booked - 1 WHERE id = OLD.group_session_id;
  ELSIF is_live AND NOT was_live THEN
    UPDATE group_sessions SET booked = booked + 1 WHERE id = NEW.group_session_id AND status = 'open';
    IF NOT FOUND THEN
      RAISE EXCEPTION 'group session % is not open', NEW.group_session_id USING ERRCODE = 'GS001';
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER appointments_count_place
  AFTER INSERT OR UPDATE OF status OR DELETE ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_count_place();
