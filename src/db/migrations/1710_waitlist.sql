-- Waitlist: a patient waits for a doctor's time in a window of dates (up to 14 days), optionally one
-- part of the day. A time that frees in the window is offered to the earliest waiting patient and
-- held for them a few minutes: an open offer is a row of schedule_blocks of its own kind, so the
-- exclusion constraint that keeps appointments and group sessions apart refuses every other booking
-- of that time while it is held.
CREATE TABLE waitlist_entries (
  id           text PRIMARY KEY,
  patient_id   text NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  doctor_id    text NOT NULL REFERENCES doctors(id),
  from_date    date NOT NULL,
  to_date      date NOT NULL,
  part_of_day  text NOT NULL DEFAULT 'any' CHECK (part_of_day IN ('any', 'morning', 'afternoon', 'evening')),
  -- waiting (with or without an open offer) → booked (an offer accepted) | left (the patient left) |
  -- ended (the window passed)
  status       text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'booked', 'left', 'ended')),
  joined_at    timestamptz NOT NULL,
  closed_at    timestamptz,
  appointment_id text,
  CHECK (to_date >= from_date AND to_date - from_date <= 13),
  CHECK ((status = 'waiting') = (closed_at IS NULL)),
  -- one waiting entry per patient and doctor for any date: joining twice for the same days is refused
  CONSTRAINT waitlist_entries_no_overlap EXCLUDE USING gist (
    patient_id WITH =, doctor_id WITH =, daterange(from_date, to_date, '[]') WITH &&
  ) WHERE (status = 'waiting')
);
-- fair order: the earliest joined waiting entry of a doctor first
CREATE INDEX waitlist_entries_doctor_waiting_idx ON waitlist_entries (doctor_id, joined_at, id) WHERE status = 'waiting';
CREATE INDEX waitlist_entries_patient_idx ON waitlist_entries (patient_id, joined_at);

CREATE TABLE waitlist_offers (
  id            text PRIMARY KEY,
  entry_id      text NOT NULL REFERENCES waitlist_entries(id) ON DELETE CASCADE,
  patient_id    text NOT NULL,
  doctor_id     text NOT NULL,
  slot_date     text NOT NULL CHECK (slot_date ~ '^\d{4}-\d{2}-\d{2}$'),
  slot_time     text NOT NULL CHECK (slot_time ~ '^\d{2}:\d{2} (AM|PM)$'),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  -- the interval held while open: the slot plus the doctor's buffer, as an appointment would hold
  blocks        tstzrange NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined', 'lapsed', 'withdrawn')),
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL,
  decided_at    timestamptz,
  appointment_id text,
  CHECK (ends_at > starts_at AND expires_at > created_at),
  CHECK ((status = 'open') = (decided_at IS NULL))
);
-- one open offer per time of a doctor, and per entry
CREATE UNIQUE INDEX waitlist_offers_one_per_time ON waitlist_offers (doctor_id, starts_at) WHERE status = 'open';
CREATE UNIQUE INDEX waitlist_offers_one_per_entry ON waitlist_offers (entry_id) WHERE status = 'open';
CREATE INDEX waitlist_offers_open_expiry_idx ON waitlist_offers (expires_at) WHERE status = 'open';
CREATE INDEX waitlist_offers_entry_idx ON waitlist_offers (entry_id, starts_at);

-- Doctors whose schedule may have free time for their waitlist, written in the transaction that
-- freed it (a cancellation, an expired hold, a reschedule, an offer declined or lapsed) and removed
-- once the waitlist has been matched: an offer is never lost to a crash between the two.
CREATE TABLE waitlist_freed (
  id         bigserial PRIMARY KEY,
  doctor_id  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX waitlist_freed_doctor_idx ON waitlist_freed (doctor_id, id);

ALTER TABLE schedule_blocks DROP CONSTRAINT schedule_blocks_kind_check;
ALTER TABLE schedule_blocks ADD CONSTRAINT schedule_blocks_kind_check
  CHECK (kind IN ('appointment', 'group_session', 'waitlist_offer'));

CREATE FUNCTION waitlist_offers_schedule_block() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.blocks = NEW.blocks THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM schedule_blocks WHERE owner_id = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'open' THEN
    INSERT INTO schedule_blocks (owner_id, kind, doctor_id, blocks) VALUES (NEW.id, 'waitlist_offer', NEW.doctor_id, NEW.blocks);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER waitlist_offers_schedule_block
  AFTER INSERT OR UPDATE OR DELETE ON waitlist_offers
  FOR EACH ROW EXECUTE FUNCTION waitlist_offers_schedule_block();

-- An offer is made only to a waiting entry of the same patient and doctor; the entry row is locked,
-- so an offer racing the patient leaving is either withdrawn with the entry or refused.
CREATE FUNCTION waitlist_offers_check_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  e waitlist_entries%ROWTYPE;
BEGIN
  SELECT * INTO e FROM waitlist_entries WHERE id = NEW.entry_id FOR UPDATE;
  IF e.status IS DISTINCT FROM 'waiting' OR e.patient_id <> NEW.patient_id OR e.doctor_id <> NEW.doctor_id THEN
    RAISE EXCEPTION 'waitlist entry % is not waiting', NEW.entry_id USING ERRCODE = 'WL001';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER waitlist_offers_check_entry
  BEFORE INSERT ON waitlist_offers
  FOR EACH ROW EXECUTE FUNCTION waitlist_offers_check_entry();
