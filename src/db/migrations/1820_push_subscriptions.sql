-- Web Push: one subscription per browser (its push service endpoint), owned by one patient or
-- doctor account; and a channel on the notification outbox, so pushes are delivered by the same
-- worker, with the same leases, retries and backoff as emails.

CREATE TABLE push_subscriptions (
  id         text PRIMARY KEY,
  owner_role text NOT NULL CHECK (owner_role IN ('patient', 'doctor')),
  owner_id   text NOT NULL,
  -- the device: re-subscribing it updates its row (keys, owner), never adds a second one
  endpoint   text NOT NULL UNIQUE CHECK (char_length(endpoint) <= 2048),
  -- the browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url
  p256dh     text NOT NULL CHECK (p256dh ~ '^[A-Za-z0-9_-]{87}$'),
  auth       text NOT NULL CHECK (auth ~ '^[A-Za-z0-9_-]{22}$'),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- an event's recipients' devices
CREATE INDEX push_subscriptions_owner_idx ON push_subscriptions (owner_role, owner_id);

-- `push` rows: recipient is the subscription's id, subject the title, text_body the body, link the
-- page the notification opens
ALTER TABLE notification_outbox ADD COLUMN channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'push'));
ALTER TABLE notification_outbox ADD COLUMN link text;
