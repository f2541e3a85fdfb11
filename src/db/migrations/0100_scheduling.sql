-- Scheduling engine. Invariants the database keeps, whatever the code does:
-- a doctor's working ranges on one weekday never overlap, nor do their time-off ranges.
ALTER TABLE doctor_hours ADD CONSTRAINT doctor_hours_no_overlap
  EXCLUDE USING gist (doctor_id WITH =, weekday WITH =, int4range(start_minute, end_minute) WITH &&);
ALTER TABLE doctor_time_off ADD CONSTRAINT doctor_time_off_no_overlap
  EXCLUDE USING gist (doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&);

-- Who cancelled (the account id; `cancelled_by` says which role, `cancelled_at` when).
ALTER TABLE appointments ADD COLUMN cancelled_by_id text;

-- The payment-window sweep looks for old unpaid pending bookings only.
CREATE INDEX appointments_unpaid_pending_idx ON appointments (created_at) WHERE status = 'pending' AND NOT paid;
-- Listings filtered by date range and sorted by start time, per doctor and platform-wide.
CREATE INDEX appointments_doctor_starts_idx ON appointments (doctor_id, starts_at);
CREATE INDEX appointments_starts_idx ON appointments (starts_at, id);
