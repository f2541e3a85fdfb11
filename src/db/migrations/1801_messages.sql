-- Messages between the patient and the doctor of one appointment (a thread per appointment), read
-- receipts, and the reports that let the admin read a thread. Bodies are never in any admin view
-- except a reported thread's.

CREATE TABLE appointment_messages (
  id             text PRIMARY KEY,
  appointment_id text NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
  sender_role    text NOT NULL CHECK (sender_role IN ('patient', 'doctor')),
  sender_id      text NOT NULL,
  body           text NOT NULL CHECK (char_length(body) <= 2000),
  -- up to 3 picture URLs from the media pipeline
  images         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(images) = 'array' AND jsonb_array_length(images) <= 3),
  created_at     timestamptz NOT NULL,
  read_at        timestamptz,
  CONSTRAINT appointment_messages_not_empty CHECK (body <> '' OR jsonb_array_length(images) > 0)
);
-- a thread, newest first (keyset pages)
CREATE INDEX appointment_messages_thread_idx ON appointment_messages (appointment_id, created_at DESC, id DESC);
-- unread messages per thread and side, for the unread counts and read receipts
CREATE INDEX appointment_messages_unread_idx ON appointment_messages (appointment_id, sender_role) WHERE read_at IS NULL;
-- the per-sender rate limit counts a sender's recent messages
CREATE INDEX appointment_messages_sender_idx ON appointment_messages (sender_role, sender_id, created_at DESC);

CREATE TABLE message_thread_reports (
  appointment_id text NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
  reporter_role  text NOT NULL CHECK (reporter_role IN ('patient', 'doctor')),
  reason         text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (appointment_id, reporter_role)
);
