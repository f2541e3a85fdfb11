-- lock_booking (migration 2010) as a value of the appointment's own INSERT, so that a booking with
-- nothing to check or write between its locks and its row takes both in one round trip
-- (appointments/repo.ts insertLocked): the row's created_at is this function's answer, p_now, and
-- PostgreSQL computes the row's values, locks and caps included, before it inserts the row.
-- The caps are counted as in lock_booking, with a snapshot taken after the locks (each statement of
-- a PL/pgSQL function gets its own); what the INSERT itself checks does not depend on its older
-- snapshot: the exclusion constraint and the unique indexes see every committed and in-progress
-- row, and the erased-patient trigger reads the patient with a snapshot of its own.
CREATE FUNCTION lock_booking_at(p_doctor text, p_patient text, p_now timestamptz, p_expired_cutoff timestamptz, p_per_doctor integer, p_overall integer)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM lock_booking(p_doctor, p_patient, p_now, p_expired_cutoff, p_per_doctor, p_overall);
  RETURN p_now;
END $$;
