-- The summary triggers of 0500 become deferred constraint triggers: they run at COMMIT instead of
-- right after each statement. Same arithmetic, same transaction, so the summaries stay exact; but the
-- summary rows they update (a doctor_stats row, one of 32 appointment_totals shards, the patients and
-- doctors counters of row_counts) are now locked only for the commit itself, not for the rest of the
-- transaction. A booking used to take its shard row at the INSERT and hold it through the notification
-- writes and COMMIT, so concurrent bookings of doctors sharing a shard (and every concurrent patient
-- registration, on the single row_counts 'patients' row) queued behind each other: PostgreSQL showed
-- them waiting on Lock:transactionid under `npm run bench -- --only book`.
-- Deferred events carry the OLD/NEW row of each change, so an insert followed by an update in one
-- transaction still applies +v1, -v1, +v2.

DROP TRIGGER appointments_summary ON appointments;
CREATE CONSTRAINT TRIGGER appointments_summary
AFTER INSERT OR DELETE OR UPDATE OF doctor_id, patient_id, status, amount_minor, paid, refund_minor, refund_status
ON appointments DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION appointments_summarise();

DROP TRIGGER patients_count ON patients;
CREATE CONSTRAINT TRIGGER patients_count AFTER INSERT OR DELETE ON patients
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION row_counts_track();

DROP TRIGGER doctors_count ON doctors;
CREATE CONSTRAINT TRIGGER doctors_count AFTER INSERT OR DELETE ON doctors
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION row_counts_track();
