-- Patients' data rights (modules/data-rights): an erased patient keeps a row, because appointments
-- and payment records (kept for the law) reference it by id; its personal fields are blanked and
-- `deleted_at` says it is gone. Login and every patient lookup treat such a row as absent.
ALTER TABLE patients ADD COLUMN deleted_at timestamptz;

-- Erasing ends the account's sessions in the same transaction, as deleting the row would (1200).
CREATE TRIGGER patients_erasure_ends_sessions AFTER UPDATE OF deleted_at ON patients
  FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
  EXECUTE FUNCTION end_sessions_of_deleted_account('patient');

-- No appointment is ever booked for an erased patient. The share lock on the patient row queues a
-- booking behind an erasure in progress (which holds the row FOR UPDATE) and the erasure behind a
-- booking not yet committed, so of the two racing one wins: the erasure then sees the booking and
-- refuses, or the booking sees deleted_at and fails.
CREATE FUNCTION appointments_refuse_erased_patient() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  erased timestamptz;
BEGIN
  SELECT deleted_at INTO erased FROM patients WHERE id = NEW.patient_id FOR SHARE;
  IF erased IS NOT NULL THEN
    RAISE EXCEPTION 'patient account deleted' USING ERRCODE = 'PD001'; -- PG_PATIENT_DELETED (lib/errors.ts)
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER appointments_refuse_erased_patient BEFORE INSERT ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_refuse_erased_patient();
