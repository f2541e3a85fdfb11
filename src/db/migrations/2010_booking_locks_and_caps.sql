-- The start of every booking transaction in one round trip (appointments/repo.ts lockBooking):
-- the doctor's schedule lock, then the patient's (always in this order, so two bookings never wait
-- on each other crosswise), then the patient's upcoming bookings counted against the caps.
-- PL/pgSQL runs each statement with a snapshot of its own, so under READ COMMITTED the count, taken
-- once the patient's lock is held, sees every booking committed by whoever held that lock before.
--
-- Counted: pending or confirmed, starting after p_now, not an unpaid hold created at or before
-- p_expired_cutoff (its payment window ended; null: none expire); a series' occurrences count once.
-- Refusals: BK001 at p_per_doctor bookings with this doctor, BK002 at p_overall in all; DETAIL is
-- the cap (the service words the 409).
CREATE FUNCTION lock_booking(p_doctor text, p_patient text, p_now timestamptz, p_expired_cutoff timestamptz, p_per_doctor integer, p_overall integer)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  held_total integer;
  held_with_doctor integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('schedule:' || p_doctor));
  PERFORM pg_advisory_xact_lock(1, hashtext(p_patient));
  SELECT count(DISTINCT coalesce(a.series_id, a.id)),
         count(DISTINCT coalesce(a.series_id, a.id)) FILTER (WHERE a.doctor_id = p_doctor)
    INTO held_total, held_with_doctor
    FROM appointments a
   WHERE a.patient_id = p_patient
     AND a.status IN ('pending', 'confirmed')
     AND a.starts_at > p_now
     AND NOT (p_expired_cutoff IS NOT NULL AND a.status = 'pending' AND NOT a.paid AND a.created_at <= p_expired_cutoff);
  IF held_with_doctor >= p_per_doctor THEN
    RAISE EXCEPTION 'booking cap with one doctor reached' USING ERRCODE = 'BK001', DETAIL = p_per_doctor::text;
  END IF;
  IF held_total >= p_overall THEN
    RAISE EXCEPTION 'booking cap reached' USING ERRCODE = 'BK002', DETAIL = p_overall::text;
  END IF;
END $$;
