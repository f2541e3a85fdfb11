-- Core platform: patients, doctors (with working hours and time off), admins, appointments.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE patients (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  email         citext NOT NULL,
  password_hash text NOT NULL,
  phone         text NOT NULL DEFAULT '000000000',
  address       jsonb NOT NULL DEFAULT '{"line1":"","line2":""}',
  gender        text NOT NULL DEFAULT 'Not Selected',
  dob           text NOT NULL DEFAULT 'Not Selected',
  image         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT patients_email_unique UNIQUE (email)
);

CREATE TABLE doctors (
  id                    text PRIMARY KEY,
  name                  text NOT NULL,
  email                 citext NOT NULL,
  password_hash         text NOT NULL,
  image                 text NOT NULL,
  speciality            text NOT NULL,
  degree                text NOT NULL,
  experience            text NOT NULL,
  about                 text NOT NULL,
  fees_minor            integer NOT NULL CHECK (fees_minor >= 0),
  address               jsonb NOT NULL DEFAULT '{"line1":"","line2":""}',
  available             boolean NOT NULL DEFAULT true,
  slot_minutes          integer NOT NULL DEFAULT 30 CHECK (slot_minutes BETWEEN 5 AND 480),
  slot_interval_minutes integer NOT NULL DEFAULT 30 CHECK (slot_interval_minutes BETWEEN 5 AND 480),
  buffer_minutes        integer NOT NULL DEFAULT 15 CHECK (buffer_minutes BETWEEN 0 AND 240),
  time_zone             text NOT NULL DEFAULT 'Asia/Kolkata',
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT doctors_email_unique UNIQUE (email)
);
CREATE INDEX doctors_speciality_idx ON doctors (speciality);

-- Weekly working hours: one row per range; breaks are the gaps between ranges of a weekday.
CREATE TABLE doctor_hours (
  doctor_id    text NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
  weekday      smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  start_minute smallint NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute   smallint NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
  PRIMARY KEY (doctor_id, weekday, start_minute),
  CHECK (end_minute > start_minute)
);

-- Blocked dates and time-off ranges, as instants.
CREATE TABLE doctor_time_off (
  id         text PRIMARY KEY,
  doctor_id  text NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  reason     text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX doctor_time_off_doctor_idx ON doctor_time_off (doctor_id, starts_at);

CREATE TABLE admins (
  id            text PRIMARY KEY,
  email         citext NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE appointments (
  id              text PRIMARY KEY,
  patient_id      text NOT NULL REFERENCES patients(id),
  doctor_id       text NOT NULL REFERENCES doctors(id),
  slot_date       text NOT NULL CHECK (slot_date ~ '^\d{4}-\d{2}-\d{2}$'),
  slot_time       text NOT NULL CHECK (slot_time ~ '^\d{2}:\d{2} (AM|PM)$'),
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  -- the interval this booking holds: the slot plus the doctor's buffer after it
  blocks          tstzrange NOT NULL,
  user_data       jsonb NOT NULL,
  doc_data        jsonb NOT NULL,
  amount_minor    integer NOT NULL CHECK (amount_minor >= 0),
  currency        text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'completed', 'cancelled')),
  paid            boolean NOT NULL DEFAULT false,
  paid_at         timestamptz,
  payment_gateway text,
  payment_ref     text,
  payment_id      text,
  cancelled_by    text CHECK (cancelled_by IN ('patient', 'doctor', 'admin', 'system')),
  cancel_reason   text,
  cancelled_at    timestamptz,
  refund_minor    integer,
  refund_status   text,
  refund_ref      text,
  completed_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
  -- No overlapping live appointments for a doctor: the database, not JavaScript, refuses them.
  CONSTRAINT appointments_no_overlap EXCLUDE USING gist (doctor_id WITH =, blocks WITH &&) WHERE (status <> 'cancelled')
);
-- The spec's indexing strategy: patient history newest first, doctor schedule by date.
CREATE INDEX appointments_patient_idx ON appointments (patient_id, created_at DESC);
CREATE INDEX appointments_doctor_date_idx ON appointments (doctor_id, slot_date);
CREATE INDEX appointments_doctor_created_idx ON appointments (doctor_id, created_at DESC);
CREATE INDEX appointments_created_idx ON appointments (created_at DESC, id DESC);
CREATE INDEX appointments_status_idx ON appointments (status);
