-- Payments: gateway orders/sessions linked to appointments, webhook events recorded once, and the
-- refund queue written in the same transaction as the cancellation that owes the refund.

-- One row per Razorpay order or Stripe Checkout Session we created. Verification and webhooks
-- only accept ids found here, so a payment can never be attached to an appointment it was not
-- created for, and the amount it must match is the one taken from the database at creation.
CREATE TABLE payment_orders (
  id              text PRIMARY KEY,                 -- Razorpay order id or Stripe session id
  gateway         text NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
  appointment_id  text NOT NULL REFERENCES appointments(id),
  patient_id      text NOT NULL,
  amount_minor    integer NOT NULL CHECK (amount_minor > 0),
  currency        text NOT NULL,
  status          text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'paid', 'rejected')),
  payment_id      text,                             -- Razorpay payment id or Stripe PaymentIntent id
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_orders_appointment_idx ON payment_orders (appointment_id, created_at DESC);

-- Webhook idempotency: the primary key admits each gateway event once, even when two deliveries
-- of it race.
CREATE TABLE payment_events (
  gateway         text NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
  event_id        text NOT NULL,
  type            text NOT NULL,
  appointment_id  text,
  outcome         text NOT NULL DEFAULT 'received',
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gateway, event_id)
);

-- Refund jobs, one per (appointment, gateway payment). A cancellation's row is queued inside the
-- cancellation's transaction, so a refund owed is never lost; workers claim rows atomically
-- (status + lease) so a refund is issued once. `unapplied` rows return a payment that could not be
-- applied (it arrived after the appointment was cancelled, or the appointment was already paid).
CREATE TABLE payment_refunds (
  id              text PRIMARY KEY,                 -- appointment_id || ':' || payment_id
  appointment_id  text NOT NULL REFERENCES appointments(id),
  kind            text NOT NULL DEFAULT 'cancellation' CHECK (kind IN ('cancellation', 'unapplied')),
  gateway         text NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
  payment_id      text NOT NULL,
  amount_minor    integer NOT NULL CHECK (amount_minor > 0),
  currency        text NOT NULL,
  -- queued: waiting · processing: a worker holds it · issued: the gateway accepted it (refund_status
  -- on the appointment says pending/processed) · failed: given up, needs a person
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'issued', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  refund_id       text,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_refunds_appointment_idx ON payment_refunds (appointment_id);
CREATE INDEX payment_refunds_payment_idx ON payment_refunds (gateway, payment_id);
CREATE INDEX payment_refunds_due_idx ON payment_refunds (next_attempt_at) WHERE status IN ('queued', 'processing');
CREATE UNIQUE INDEX payment_refunds_refund_id_idx ON payment_refunds (refund_id) WHERE refund_id IS NOT NULL;
