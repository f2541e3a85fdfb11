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

-- The rebuild used by bulk loaders counts live patients the same way.
CREATE OR REPLACE FUNCTION rebuild_summaries() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM doctor_patients;
  INSERT INTO doctor_patients (doctor_id, patient_id, appointments)
  SELECT doctor_id, patient_id, count(*) FROM appointments GROUP BY doctor_id, patient_id;

  DELETE FROM doctor_stats;
  INSERT INTO doctor_stats (doctor_id, appointments, pending, confirmed, completed, cancelled, earnings_minor, revenue_minor, patients)
  SELECT a.doctor_id, count(*),
    count(*) FILTER (WHERE status = 'pending'),
    count(*) FILTER (WHERE status = 'confirmed'),
    count(*) FILTER (WHERE status = 'completed'),
    count(*) FILTER (WHERE status = 'cancelled'),
    coalesce(sum(amount_minor) FILTER (WHERE status IN ('confirmed', 'completed')), 0),
    coalesce(sum(amount_minor - CASE WHEN refund_status = 'processed' THEN coalesce(refund_minor, 0) ELSE 0 END) FILTER (WHERE paid), 0),
    (SELECT count(*) FROM doctor_patients dp WHERE dp.doctor_id = a.doctor_id)
  FROM appointments a GROUP BY a.doctor_id;

  UPDATE appointment_totals t SET
    appointments = coalesce(s.appointments, 0), pending = coalesce(s.pending, 0), confirmed = coalesce(s.confirmed, 0),
    completed = coalesce(s.completed, 0), cancelled = coalesce(s.cancelled, 0), revenue_minor = coalesce(s.revenue_minor, 0)
  FROM (SELECT g AS shard FROM generate_series(0, 31) g) AS all_shards
  LEFT JOIN (
    SELECT abs(hashtext(doctor_id)) % 32 AS shard, sum(appointments) AS appointments, sum(pending) AS pending, sum(confirmed) AS confirmed,
      sum(completed) AS completed, sum(cancelled) AS cancelled, sum(revenue_minor) AS revenue_minor
    FROM doctor_stats GROUP BY 1
  ) AS s ON s.shard = all_shards.shard
  WHERE t.shard = all_shards.shard;

  UPDATE row_counts SET n = (SELECT count(*) FROM patients WHERE deleted_at IS NULL) WHERE name = 'patients';
  UPDATE row_counts SET n = (SELECT count(*) FROM doctors) WHERE name = 'doctors';
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
