-- Outgoing webhooks: endpoints the admin registers, a delivery outbox (one message per endpoint and
-- event, written in the transaction of the change it reports, claimed by workers with a lease like
-- the email outbox) and one row per delivery attempt.

CREATE TABLE webhook_endpoints (
  id              text PRIMARY KEY,
  url             text NOT NULL,
  description     text NOT NULL DEFAULT '',
  events          text[] NOT NULL CHECK (cardinality(events) > 0),
  -- the signing secret (whsec_<base64>): needed in clear to sign, shown to the admin once
  secret          text NOT NULL,
  enabled         boolean NOT NULL DEFAULT true,
  disabled_reason text,
  -- first failed attempt since the last success; three days of failures disable the endpoint
  failing_since   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_messages (
  id              text PRIMARY KEY,
  endpoint_id     text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_type      text NOT NULL,
  -- the exact bytes signed and sent, fixed at enqueue so every retry carries the same body
  body            text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts    integer NOT NULL CHECK (max_attempts >= 1),
  next_attempt_at timestamptz NOT NULL,
  locked_until    timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (endpoint_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
  id           text PRIMARY KEY,
  message_id   text NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
  attempt      integer NOT NULL CHECK (attempt >= 1),
  at           timestamptz NOT NULL,
  status_code  integer,
  error        text,
  duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
  UNIQUE (message_id, attempt)
);
