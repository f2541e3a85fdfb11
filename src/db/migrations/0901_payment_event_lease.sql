-- Webhook events are recorded before they are handled. A process that dies in between left a
-- `received` row behind, and every redelivery was answered "duplicate" while nothing had been
-- applied. A received row now holds a lease: while it runs, duplicates are refused; once it has
-- passed, a redelivery may claim the event again. Rows left `received` before this migration have
-- no lease and can be claimed at once.
ALTER TABLE payment_events ADD COLUMN lease_until timestamptz;
