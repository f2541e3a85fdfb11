-- Idempotency-Key on booking and payment creation (modules/idempotency). One row per account and
-- key: the primary key is what keeps two concurrent requests with the same key from both running.
-- A row is `running` while its request is handled (it holds a lease, so a process that died
-- mid-way does not block the key for good) and `done` with the answer to repeat once it finished;
-- the booking writes its answer in the same transaction as the appointment.
CREATE TABLE idempotency_keys (
  account_role text NOT NULL,
  account_id text NOT NULL,
  key text NOT NULL,
  operation text NOT NULL,
  fingerprint text NOT NULL,
  claim text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'done')),
  status_code integer,
  response jsonb,
  created_at timestamptz NOT NULL,
  lease_until timestamptz NOT NULL,
  PRIMARY KEY (account_role, account_id, key),
  CHECK (state = 'running' OR (status_code IS NOT NULL AND response IS NOT NULL))
);
-- expired keys are purged by age
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
