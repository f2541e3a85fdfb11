-- An erased patient (deleted_at set, data-rights) keeps a row for the appointments that point at
-- it, but is no longer a patient of the platform: the trigger-kept patients counter behind the
-- admin dashboard leaves such rows out. Erasure is an UPDATE, so the counter follows that UPDATE
-- too; insert and delete count only live rows.
CREATE FUNCTION patients_count_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  delta integer := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    delta := (NEW.deleted_at IS NULL)::int;
  ELSIF TG_OP = 'DELETE' THEN
    delta := -(OLD.deleted_at IS NULL)::int;
  ELSE
    delta := (NEW.deleted_at IS NULL)::int - (OLD.deleted_at IS NULL)::int;
  END IF;
  IF delta <> 0 THEN
    UPDATE row_counts SET n = n + delta WHERE name = 'patients';
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER patients_count ON patients;
CREATE CONSTRAINT TRIGGER patients_count AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON patients
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION patients_count_track();

-- The rebuild used by bulk loaders counts live patients the same way: it runs the rebuild of 0500
-- (kept under a new name) and corrects that one counter.
ALTER FUNCTION rebuild_summaries() RENAME TO rebuild_summaries_counting_every_patient;
CREATE FUNCTION rebuild_summaries() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rebuild_summaries_counting_every_patient();
  UPDATE row_counts SET n = (SELECT count(*) FROM patients WHERE deleted_at IS NULL) WHERE name = 'patients';
END $$;

UPDATE row_counts SET n = (SELECT count(*) FROM patients WHERE deleted_at IS NULL) WHERE name = 'patients';

-- The refusal of 1950 is about bookings: a live (pending or confirmed) appointment for an erased
-- patient. A past or cancelled one is the history the erasure keeps, and may be written back, as an
-- import of this platform's own export does.
CREATE OR REPLACE FUNCTION appointments_refuse_erased_patient() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  erased timestamptz;
BEGIN
  IF NEW.status NOT IN ('pending', 'confirmed') THEN
    RETURN NEW;
  END IF;
  SELECT deleted_at INTO erased FROM patients WHERE id = NEW.patient_id FOR SHARE;
  IF erased IS NOT NULL THEN
    RAISE EXCEPTION 'patient account deleted' USING ERRCODE = 'PD001'; -- PG_PATIENT_DELETED (lib/errors.ts)
  END IF;
  RETURN NEW;
END $$;
