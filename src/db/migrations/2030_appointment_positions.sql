-- Where a row sits in the appointment lists' orderings, without counting the rows before it.
-- Triggers keep the number of appointments (in all, and per status) in each time bucket of the two
-- list orderings: 'c' buckets by created_at, 's' by starts_at, both in UTC. A list page at OFFSET N
-- then finds the bucket holding its N-th row by a running sum over these few rows, and reads the
-- table only from that bucket on (src/modules/appointments/page-position.ts).
--  * appointment_position_days / appointment_position_hours: the whole platform, per UTC day and
--    per UTC hour (a day of a busy platform holds tens of thousands of rows; the hour narrows the
--    remaining skip to one hour's rows). 8 shards keyed by doctor, as in appointment_totals, so
--    concurrent bookings rarely update the same row at commit.
--  * doctor_position_days: one doctor's list, per UTC day (a doctor's day is a few dozen rows).
-- A bucket is the UTC start of its day or hour (timestamptz), so "the rows of this bucket and after"
-- is a plain range on the column the list is ordered by.

CREATE TABLE appointment_position_days (
  basis        "char" NOT NULL CHECK (basis IN ('c', 's')),
  day          timestamptz NOT NULL,
  shard        smallint NOT NULL,
  appointments integer NOT NULL,
  pending      integer NOT NULL,
  confirmed    integer NOT NULL,
  completed    integer NOT NULL,
  cancelled    integer NOT NULL,
  PRIMARY KEY (basis, day, shard)
);

CREATE TABLE appointment_position_hours (
  basis        "char" NOT NULL CHECK (basis IN ('c', 's')),
  hour         timestamptz NOT NULL,
  shard        smallint NOT NULL,
  appointments integer NOT NULL,
  pending      integer NOT NULL,
  confirmed    integer NOT NULL,
  completed    integer NOT NULL,
  cancelled    integer NOT NULL,
  PRIMARY KEY (basis, hour, shard)
);

CREATE TABLE doctor_position_days (
  doctor_id    text NOT NULL,
  basis        "char" NOT NULL CHECK (basis IN ('c', 's')),
  day          timestamptz NOT NULL,
  appointments integer NOT NULL,
  pending      integer NOT NULL,
  confirmed    integer NOT NULL,
  completed    integer NOT NULL,
  cancelled    integer NOT NULL,
  PRIMARY KEY (doctor_id, basis, day)
);

-- Each row's two bucket entries (created and starts), signed and split by status.
CREATE FUNCTION appointment_position_delta(doc text[], st text[], created timestamptz[], starts timestamptz[], sign integer[])
RETURNS TABLE (doctor_id text, basis "char", ts timestamptz, n integer, p integer, c integer, d integer, x integer)
LANGUAGE sql IMMUTABLE AS $$
  SELECT r.doc, b.basis, b.ts, r.sign, r.sign * (r.st = 'pending')::int, r.sign * (r.st = 'confirmed')::int,
    r.sign * (r.st = 'completed')::int, r.sign * (r.st = 'cancelled')::int
  FROM unnest(doc, st, created, starts, sign) AS r(doc, st, created, starts, sign)
  CROSS JOIN LATERAL (VALUES ('c'::"char", r.created), ('s'::"char", r.starts)) AS b(basis, ts)
$$;

-- Adds the contribution of rows (sign 1) or takes it away (sign -1), for many rows at once: the
-- trigger passes one row (or the old and the new version of an updated one), the Mongo import a
-- batch. Every caller takes the bucket rows in the same order (days, hours, doctor days; by key
-- within each), so two commits never wait on each other crosswise. Buckets whose counts do not
-- change (a status change leaves 'appointments' alone, a reschedule leaves the created buckets) are
-- not written.
CREATE FUNCTION appointment_positions_apply(doc text[], st text[], created timestamptz[], starts timestamptz[], sign integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appointment_position_days AS t (basis, day, shard, appointments, pending, confirmed, completed, cancelled)
  SELECT basis, date_trunc('day', ts, 'UTC'), abs(hashtext(doctor_id)) % 8, sum(n), sum(p), sum(c), sum(d), sum(x)
  FROM appointment_position_delta(doc, st, created, starts, sign)
  GROUP BY 1, 2, 3
  HAVING sum(n) <> 0 OR sum(p) <> 0 OR sum(c) <> 0 OR sum(d) <> 0 OR sum(x) <> 0
  ORDER BY 1, 2, 3
  ON CONFLICT (basis, day, shard) DO UPDATE SET
    appointments = t.appointments + EXCLUDED.appointments, pending = t.pending + EXCLUDED.pending,
    confirmed = t.confirmed + EXCLUDED.confirmed, completed = t.completed + EXCLUDED.completed,
    cancelled = t.cancelled + EXCLUDED.cancelled;

  INSERT INTO appointment_position_hours AS t (basis, hour, shard, appointments, pending, confirmed, completed, cancelled)
  SELECT basis, date_trunc('hour', ts, 'UTC'), abs(hashtext(doctor_id)) % 8, sum(n), sum(p), sum(c), sum(d), sum(x)
  FROM appointment_position_delta(doc, st, created, starts, sign)
  GROUP BY 1, 2, 3
  HAVING sum(n) <> 0 OR sum(p) <> 0 OR sum(c) <> 0 OR sum(d) <> 0 OR sum(x) <> 0
  ORDER BY 1, 2, 3
  ON CONFLICT (basis, hour, shard) DO UPDATE SET
    appointments = t.appointments + EXCLUDED.appointments, pending = t.pending + EXCLUDED.pending,
    confirmed = t.confirmed + EXCLUDED.confirmed, completed = t.completed + EXCLUDED.completed,
    cancelled = t.cancelled + EXCLUDED.cancelled;

  INSERT INTO doctor_position_days AS t (doctor_id, basis, day, appointments, pending, confirmed, completed, cancelled)
  SELECT doctor_id, basis, date_trunc('day', ts, 'UTC'), sum(n), sum(p), sum(c), sum(d), sum(x)
  FROM appointment_position_delta(doc, st, created, starts, sign)
  GROUP BY 1, 2, 3
  HAVING sum(n) <> 0 OR sum(p) <> 0 OR sum(c) <> 0 OR sum(d) <> 0 OR sum(x) <> 0
  ORDER BY 1, 2, 3
  ON CONFLICT (doctor_id, basis, day) DO UPDATE SET
    appointments = t.appointments + EXCLUDED.appointments, pending = t.pending + EXCLUDED.pending,
    confirmed = t.confirmed + EXCLUDED.confirmed, completed = t.completed + EXCLUDED.completed,
    cancelled = t.cancelled + EXCLUDED.cancelled;
END $$;

CREATE FUNCTION appointments_position() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM appointment_positions_apply(ARRAY[NEW.doctor_id], ARRAY[NEW.status], ARRAY[NEW.created_at], ARRAY[NEW.starts_at], ARRAY[1]);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM appointment_positions_apply(ARRAY[OLD.doctor_id], ARRAY[OLD.status], ARRAY[OLD.created_at], ARRAY[OLD.starts_at], ARRAY[-1]);
  ELSIF (OLD.doctor_id, OLD.status, OLD.created_at, OLD.starts_at) IS DISTINCT FROM (NEW.doctor_id, NEW.status, NEW.created_at, NEW.starts_at) THEN
    PERFORM appointment_positions_apply(ARRAY[OLD.doctor_id, NEW.doctor_id], ARRAY[OLD.status, NEW.status],
      ARRAY[OLD.created_at, NEW.created_at], ARRAY[OLD.starts_at, NEW.starts_at], ARRAY[-1, 1]);
  END IF;
  RETURN NULL;
END $$;

-- At commit, as the dashboard summaries (1000_summaries_at_commit.sql): a bucket row is locked for
-- the commit only. Deferred events carry each change's OLD/NEW row, so the sums stay exact.
CREATE CONSTRAINT TRIGGER appointments_positions
AFTER INSERT OR DELETE OR UPDATE OF doctor_id, status, created_at, starts_at
ON appointments DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION appointments_position();

CREATE FUNCTION rebuild_appointment_positions() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM appointment_position_days;
  DELETE FROM appointment_position_hours;
  DELETE FROM doctor_position_days;
  CREATE TEMP TABLE appointment_position_rows ON COMMIT DROP AS
  SELECT doctor_id, b.basis, b.ts, status FROM appointments
  CROSS JOIN LATERAL (VALUES ('c'::"char", created_at), ('s'::"char", starts_at)) AS b(basis, ts);
  INSERT INTO appointment_position_days
  SELECT basis, date_trunc('day', ts, 'UTC'), abs(hashtext(doctor_id)) % 8, count(*), count(*) FILTER (WHERE status = 'pending'),
    count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'cancelled')
  FROM appointment_position_rows GROUP BY 1, 2, 3;
  INSERT INTO appointment_position_hours
  SELECT basis, date_trunc('hour', ts, 'UTC'), abs(hashtext(doctor_id)) % 8, count(*), count(*) FILTER (WHERE status = 'pending'),
    count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'cancelled')
  FROM appointment_position_rows GROUP BY 1, 2, 3;
  INSERT INTO doctor_position_days
  SELECT doctor_id, basis, date_trunc('day', ts, 'UTC'), count(*), count(*) FILTER (WHERE status = 'pending'),
    count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'cancelled')
  FROM appointment_position_rows GROUP BY 1, 2, 3;
  DROP TABLE appointment_position_rows;
END $$;

-- Bulk loaders that turn the per-row triggers off call rebuild_summaries() once at the end: it now
-- rebuilds the positions too.
ALTER FUNCTION rebuild_summaries() RENAME TO rebuild_dashboard_summaries;
CREATE FUNCTION rebuild_summaries() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rebuild_dashboard_summaries();
  PERFORM rebuild_appointment_positions();
END $$;

SELECT rebuild_appointment_positions();
