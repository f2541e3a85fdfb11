-- Notifications: a durable email outbox (written in the transaction of the change it reports,
-- delivered by a worker with retries), in-app notifications, reminder bookkeeping, iCalendar
-- sequence numbers and doctors' private calendar feeds.

CREATE TABLE notification_outbox (
  id              text PRIMARY KEY,
  recipient       text NOT NULL,
  subject         text NOT NULL,
  text_body       text NOT NULL,
  html_body       text,
  -- an iCalendar attachment (RFC 5545) and its METHOD
  ics             text,
  ics_method      text CHECK (ics_method IN ('REQUEST', 'CANCEL')),
  -- what the message is about, for the admin view and for de-duplication
  topic           text NOT NULL,
  dedupe_key      text,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'logged')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts    integer NOT NULL CHECK (max_attempts >= 1),
  next_attempt_at timestamptz NOT NULL,
  -- a claimed message belongs to one worker until its lease runs out (crash recovery)
  locked_until    timestamptz,
  last_error      text,
  message_id      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  CONSTRAINT notification_outbox_dedupe_unique UNIQUE (dedupe_key),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX notification_outbox_status_idx ON notification_outbox (status, created_at DESC);

CREATE TABLE notifications (
  id             text PRIMARY KEY,
  recipient_role text NOT NULL CHECK (recipient_role IN ('patient', 'doctor', 'admin')),
  recipient_id   text NOT NULL,
  type           text NOT NULL,
  title          text NOT NULL,
  body           text NOT NULL,
  appointment_id text REFERENCES appointments(id) ON DELETE CASCADE,
  read_at        timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_role, recipient_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (recipient_role, recipient_id) WHERE read_at IS NULL;

-- One row per reminder enqueued: the key includes the start time, so a moved appointment gets
-- reminders for its new time and no reminder is ever enqueued twice (restarts, several instances).
CREATE TABLE appointment_reminders (
  appointment_id text NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
  starts_at      timestamptz NOT NULL,
  offset_minutes integer NOT NULL CHECK (offset_minutes > 0),
  enqueued_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (appointment_id, starts_at, offset_minutes)
);

-- iCalendar SEQUENCE per appointment: every update or cancellation of an invitation increments it.
CREATE TABLE appointment_ics (
  appointment_id text PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
  sequence       integer NOT NULL DEFAULT 0 CHECK (sequence >= 0)
);

-- A doctor's private calendar feed: only the SHA-256 of the secret token is kept.
CREATE TABLE doctor_calendar_feeds (
  doctor_id  text PRIMARY KEY REFERENCES doctors(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
