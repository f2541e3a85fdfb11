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

-- A row's two bucket entries (created and starts), signed and split by status.
CREATE FUNCTION appointment_position_delta(doc text, st text, created timestamptz, starts timestamptz, sign integer)
RETURNS TABLE (doctor_id text, basis "char", ts timestamptz, n integer, p integer, c integer, d integer, x integer)
LANGUAGE sql IMMUTABLE AS $$
  SELECT doc, b.basis, b.ts, sign, sign * (st = 'pending')::int, sign * (st = 'confirmed')::int,
    sign * (st = 'completed')::int, sign * (st = 'cancelled')::int
  FROM (VALUES ('c'::"char", created), ('s'::"char", starts)) AS b(basis, ts)
$$;

-- The bucket tables, in the order every writer takes their rows: each one's bucket (a column named
-- after its width) and its key beside basis and bucket ('shard', 8 shards keyed by doctor, or
-- 'doctor_id').
CREATE FUNCTION appointment_position_tables() RETURNS TABLE (target text, unit text, key text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT target, unit, key FROM (VALUES
    (1, 'appointment_position_days', 'day', 'shard'),
    (2, 'appointment_position_hours', 'hour', 'shard'),
    (3, 'doctor_position_days', 'day', 'doctor_id')) AS t(ord, target, unit, key)
  ORDER BY ord
$$;

-- The statement adding the entries of `source` (a FROM clause whose entries are `e`, from
-- appointment_position_delta) to one bucket table. Its bucket rows are taken by key, so two commits
-- never wait on each other crosswise; buckets whose counts do not change (a status change leaves
-- 'appointments' alone, a reschedule leaves the created buckets) are not written.
CREATE FUNCTION appointment_position_upsert(target text, unit text, key text, source text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT format(
    'INSERT INTO %1$I AS t (%3$I, basis, %2$I, appointments, pending, confirmed, completed, cancelled)
     SELECT %5$s, e.basis, date_trunc(%2$L, e.ts, ''UTC''), sum(e.n), sum(e.p), sum(e.c), sum(e.d), sum(e.x)
     FROM %4$s
     GROUP BY 1, 2, 3
     HAVING sum(e.n) <> 0 OR sum(e.p) <> 0 OR sum(e.c) <> 0 OR sum(e.d) <> 0 OR sum(e.x) <> 0
     ORDER BY 1, 2, 3
     ON CONFLICT (%3$I, basis, %2$I) DO UPDATE SET
       appointments = t.appointments + EXCLUDED.appointments, pending = t.pending + EXCLUDED.pending,
       confirmed = t.confirmed + EXCLUDED.confirmed, completed = t.completed + EXCLUDED.completed,
       cancelled = t.cancelled + EXCLUDED.cancelled',
    target, unit, key, source, CASE key WHEN 'shard' THEN 'abs(hashtext(e.doctor_id)) % 8' ELSE 'e.doctor_id' END)
$$;

-- Adds the contribution of rows (sign 1) or takes it away (sign -1), for many rows at once: the
-- trigger passes one row (or the old and the new version of an updated one), the Mongo import a
-- batch. It writes the tables in the order of appointment_position_tables(). Its body is the three
-- upserts written out here, once, rather than run through EXECUTE: it runs in every booking's
-- commit, and a static statement keeps its plan where EXECUTE would plan it again on each call
-- (about five times the cost of the trigger).
DO $gen$
BEGIN
  EXECUTE format(
    'CREATE FUNCTION appointment_positions_apply(doc text[], st text[], created timestamptz[], starts timestamptz[], sign integer[]) RETURNS void
     LANGUAGE plpgsql AS $body$ BEGIN %s END $body$',
    (SELECT string_agg(appointment_position_upsert(target, unit, key,
        'unnest($1, $2, $3, $4, $5) AS r(doc, st, created, starts, sign) CROSS JOIN LATERAL appointment_position_delta(r.doc, r.st, r.created, r.starts, r.sign) AS e') || ';',
      E'\n' ORDER BY ord)
     FROM appointment_position_tables() WITH ORDINALITY AS t(target, unit, key, ord)));
END $gen$;

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
DECLARE
  b record;
BEGIN
  FOR b IN SELECT * FROM appointment_position_tables() LOOP
    EXECUTE format('DELETE FROM %I', b.target);
    EXECUTE appointment_position_upsert(b.target, b.unit, b.key,
      'appointments AS a CROSS JOIN LATERAL appointment_position_delta(a.doctor_id, a.status, a.created_at, a.starts_at, 1) AS e');
  END LOOP;
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
