-- Dashboard summaries that never scan appointment history. Triggers keep them exact in the same
-- transaction as the change, so a dashboard costs the same at 1k or 1M appointments.
--  * doctor_stats: one row per doctor (the doctor dashboard; bookings for one doctor already
--    serialise on that doctor's slots, so this row adds no new contention).
--  * appointment_totals: the platform totals split over 32 shards keyed by doctor, so concurrent
--    bookings for different doctors rarely wait on the same row; the admin dashboard sums 32 rows.
--  * doctor_patients: appointments per (doctor, patient), to keep "distinct patients" exact.
--  * row_counts: patients and doctors, for the admin dashboard without count(*) over big tables.

CREATE TABLE doctor_stats (
  doctor_id      text PRIMARY KEY REFERENCES doctors(id) ON DELETE CASCADE,
  appointments   integer NOT NULL DEFAULT 0,
  pending        integer NOT NULL DEFAULT 0,
  confirmed      integer NOT NULL DEFAULT 0,
  completed      integer NOT NULL DEFAULT 0,
  cancelled      integer NOT NULL DEFAULT 0,
  -- fees of confirmed and completed appointments (the doctor's "earnings")
  earnings_minor bigint NOT NULL DEFAULT 0,
  -- money kept: paid amounts minus processed refunds
  revenue_minor  bigint NOT NULL DEFAULT 0,
  patients       integer NOT NULL DEFAULT 0
);

CREATE TABLE appointment_totals (
  shard          smallint PRIMARY KEY,
  appointments   bigint NOT NULL DEFAULT 0,
  pending        bigint NOT NULL DEFAULT 0,
  confirmed      bigint NOT NULL DEFAULT 0,
  completed      bigint NOT NULL DEFAULT 0,
  cancelled      bigint NOT NULL DEFAULT 0,
  revenue_minor  bigint NOT NULL DEFAULT 0
);
INSERT INTO appointment_totals (shard) SELECT s FROM generate_series(0, 31) AS s;

CREATE TABLE doctor_patients (
  doctor_id    text NOT NULL,
  patient_id   text NOT NULL,
  appointments integer NOT NULL,
  PRIMARY KEY (doctor_id, patient_id)
);

CREATE TABLE row_counts (
  name text PRIMARY KEY,
  n    bigint NOT NULL
);
INSERT INTO row_counts (name, n) VALUES
  ('patients', (SELECT count(*) FROM patients)),
  ('doctors', (SELECT count(*) FROM doctors));

-- Applies one appointment row's contribution to every summary, with sign +1 (added) or -1 (removed).
CREATE FUNCTION appointment_summary_apply(r appointments, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  earn bigint := CASE WHEN r.status IN ('confirmed', 'completed') THEN r.amount_minor ELSE 0 END;
  rev  bigint := CASE WHEN r.paid THEN r.amount_minor - CASE WHEN r.refund_status = 'processed' THEN coalesce(r.refund_minor, 0) ELSE 0 END ELSE 0 END;
  p    integer := (r.status = 'pending')::int;
  c    integer := (r.status = 'confirmed')::int;
  d    integer := (r.status = 'completed')::int;
  x    integer := (r.status = 'cancelled')::int;
BEGIN
  INSERT INTO doctor_stats AS s (doctor_id, appointments, pending, confirmed, completed, cancelled, earnings_minor, revenue_minor)
  VALUES (r.doctor_id, sign, sign * p, sign * c, sign * d, sign * x, sign * earn, sign * rev)
  ON CONFLICT (doctor_id) DO UPDATE SET
    appointments = s.appointments + EXCLUDED.appointments,
    pending = s.pending + EXCLUDED.pending,
    confirmed = s.confirmed + EXCLUDED.confirmed,
    completed = s.completed + EXCLUDED.completed,
    cancelled = s.cancelled + EXCLUDED.cancelled,
    earnings_minor = s.earnings_minor + EXCLUDED.earnings_minor,
    revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor;

  UPDATE appointment_totals SET
    appointments = appointments + sign,
    pending = pending + sign * p,
    confirmed = confirmed + sign * c,
    completed = completed + sign * d,
    cancelled = cancelled + sign * x,
    revenue_minor = revenue_minor + sign * rev
  WHERE shard = abs(hashtext(r.doctor_id)) % 32;
END $$;

-- Keeps doctor_patients and doctor_stats.patients exact when a (doctor, patient) pair gains or loses a row.
CREATE FUNCTION appointment_pair_apply(doc text, pat text, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  IF sign > 0 THEN
    INSERT INTO doctor_patients AS dp (doctor_id, patient_id, appointments) VALUES (doc, pat, 1)
    ON CONFLICT (doctor_id, patient_id) DO UPDATE SET appointments = dp.appointments + 1
    RETURNING appointments INTO n;
    IF n = 1 THEN
      UPDATE doctor_stats SET patients = patients + 1 WHERE doctor_id = doc;
    END IF;
  ELSE
    UPDATE doctor_patients SET appointments = appointments - 1
    WHERE doctor_id = doc AND patient_id = pat
    RETURNING appointments INTO n;
    IF n = 0 THEN
      DELETE FROM doctor_patients WHERE doctor_id = doc AND patient_id = pat;
      UPDATE doctor_stats SET patients = patients - 1 WHERE doctor_id = doc;
    END IF;
  END IF;
END $$;

CREATE FUNCTION appointments_summarise() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM appointment_summary_apply(OLD, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM appointment_summary_apply(NEW, 1);
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM appointment_pair_apply(NEW.doctor_id, NEW.patient_id, 1);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM appointment_pair_apply(OLD.doctor_id, OLD.patient_id, -1);
  ELSIF OLD.doctor_id IS DISTINCT FROM NEW.doctor_id OR OLD.patient_id IS DISTINCT FROM NEW.patient_id THEN
    PERFORM appointment_pair_apply(OLD.doctor_id, OLD.patient_id, -1);
    PERFORM appointment_pair_apply(NEW.doctor_id, NEW.patient_id, 1);
  END IF;
  RETURN NULL;
END $$;

-- UPDATE OF lists only the columns a summary reads, so unrelated updates (payment references,
-- snapshots) do not touch the summary rows.
CREATE TRIGGER appointments_summary
AFTER INSERT OR DELETE OR UPDATE OF doctor_id, patient_id, status, amount_minor, paid, refund_minor, refund_status
ON appointments FOR EACH ROW EXECUTE FUNCTION appointments_summarise();

CREATE FUNCTION row_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE row_counts SET n = n + CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END WHERE name = TG_TABLE_NAME;
  RETURN NULL;
END $$;

CREATE TRIGGER patients_count AFTER INSERT OR DELETE ON patients FOR EACH ROW EXECUTE FUNCTION row_counts_track();
CREATE TRIGGER doctors_count AFTER INSERT OR DELETE ON doctors FOR EACH ROW EXECUTE FUNCTION row_counts_track();

-- Rebuilds every summary from the base tables: used once here for existing data, and by bulk
-- loaders that disable the per-row triggers for speed (npm run seed).
CREATE FUNCTION rebuild_summaries() RETURNS void
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

  UPDATE row_counts SET n = (SELECT count(*) FROM patients) WHERE name = 'patients';
  UPDATE row_counts SET n = (SELECT count(*) FROM doctors) WHERE name = 'doctors';
END $$;

SELECT rebuild_summaries();
