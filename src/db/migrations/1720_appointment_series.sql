-- Recurring series (modules/series): a patient, or their doctor for them, books the same time every
-- week or every two weeks. Each occurrence is an ordinary appointment row carrying `series_id`, so
-- the no-overlap constraints, payments, refunds, emails and lists treat it as any appointment.
CREATE TABLE appointment_series (
  id           text PRIMARY KEY,
  patient_id   text NOT NULL REFERENCES patients(id),
  doctor_id    text NOT NULL REFERENCES doctors(id),
  cadence_days integer NOT NULL CHECK (cadence_days IN (7, 14)),
  -- the occurrences booked when the series was confirmed
  occurrences  integer NOT NULL CONSTRAINT appointment_series_occurrences CHECK (occurrences BETWEEN 2 AND 12),
  slot_time    text NOT NULL CHECK (slot_time ~ '^\d{2}:\d{2} (AM|PM)$'),
  mode         text NOT NULL CHECK (mode IN ('in_person', 'video')),
  booked_by    text NOT NULL CHECK (booked_by IN ('patient', 'doctor')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- the target of the appointments' composite key below
  UNIQUE (id, patient_id, doctor_id)
);
CREATE INDEX appointment_series_patient_idx ON appointment_series (patient_id);
CREATE INDEX appointment_series_doctor_idx ON appointment_series (doctor_id);

ALTER TABLE appointments ADD COLUMN series_id text;
-- An occurrence belongs to its series' patient and doctor: the key includes both, so no row can
-- point at someone else's series.
ALTER TABLE appointments ADD CONSTRAINT appointments_series_fk
  FOREIGN KEY (series_id, patient_id, doctor_id) REFERENCES appointment_series (id, patient_id, doctor_id);
-- a group-session place is not an occurrence of a series
ALTER TABLE appointments ADD CONSTRAINT appointments_series_not_place CHECK (series_id IS NULL OR group_session_id IS NULL);
CREATE INDEX appointments_series_idx ON appointments (series_id, starts_at) WHERE series_id IS NOT NULL;

-- A series never holds more occurrences than were booked with it (at most 12).
CREATE FUNCTION appointments_series_size() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  allowed integer;
  held integer;
BEGIN
  SELECT occurrences INTO allowed FROM appointment_series WHERE id = NEW.series_id;
  SELECT count(*) INTO held FROM appointments WHERE series_id = NEW.series_id;
  IF held > allowed THEN
    RAISE EXCEPTION 'series % has more than % occurrences', NEW.series_id, allowed USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER appointments_series_size
  AFTER INSERT ON appointments
  FOR EACH ROW WHEN (NEW.series_id IS NOT NULL) EXECUTE FUNCTION appointments_series_size();
