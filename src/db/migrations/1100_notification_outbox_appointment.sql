-- A reminder is worth sending only while its appointment is still live at the time it announces: one
-- retried after a cancellation or a move must not go. The outbox row names the appointment and its
-- start time, and the worker drops such a message (status 'skipped') when they no longer hold.
ALTER TABLE notification_outbox
  ADD COLUMN appointment_id text,
  ADD COLUMN appointment_starts_at timestamptz,
  ADD CONSTRAINT notification_outbox_appointment_pair CHECK ((appointment_id IS NULL) = (appointment_starts_at IS NULL));
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_status_check;
ALTER TABLE notification_outbox
  ADD CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'logged', 'skipped'));
