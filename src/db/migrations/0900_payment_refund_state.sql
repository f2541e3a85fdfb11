-- The gateway's latest word on each refund job (pending, then processed or failed), kept on the job
-- itself so unapplied-payment refunds have one too. processed and failed are final: gateways
-- deliver webhooks out of order, and a late `refund.created` (pending) must not undo a `processed`.
ALTER TABLE payment_refunds
  ADD COLUMN refund_state text CHECK (refund_state IN ('pending', 'processed', 'failed'));

-- Issued cancellation refunds: the appointment holds the state recorded so far.
UPDATE payment_refunds r
   SET refund_state = a.refund_status
  FROM appointments a
 WHERE a.id = r.appointment_id AND r.kind = 'cancellation' AND r.refund_id IS NOT NULL
   AND a.refund_status IN ('pending', 'processed', 'failed');
-- Issued unapplied refunds never had a state: pending lets the gateway's next webhook finish them.
UPDATE payment_refunds SET refund_state = 'pending' WHERE refund_id IS NOT NULL AND refund_state IS NULL;
