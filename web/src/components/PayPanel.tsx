// Paying for a booked appointment: Razorpay (their checkout.js, loaded only when chosen), Stripe
// (redirect to their hosted page, back to /verify), or a note to pay at the clinic when no gateway
// is configured. Payment creation carries an Idempotency-Key.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, idempotencyKey, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { useClientConfig } from '../lib/queries';
import { Button, ErrorMessage, Notice } from './ui';

interface RazorpayResponse {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}
interface RazorpayOptions {
  key: string;
  amount: number;
  currency: string;
  order_id: string;
  name: string;
  handler(r: RazorpayResponse): void;
  modal?: { ondismiss?(): void };
}
declare global {
  interface Window {
    Razorpay?: new (o: RazorpayOptions) => { open(): void; on(event: string, fn: (e: unknown) => void): void };
  }
}

const CHECKOUT_JS = 'https://checkout.razorpay.com/v1/checkout.js';

function loadCheckout(): Promise<void> {
  if (window.Razorpay) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = CHECKOUT_JS;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => reject(new TypeError('checkout.js could not be loaded'));
    document.head.append(s);
  });
}

export function PayPanel({ appointmentId, onPaid }: { appointmentId: string; onPaid?(): void }) {
  const { t } = useI18n();
  const cfg = useClientConfig();
  const qc = useQueryClient();
  const [busy, setBusy] = useState<'razorpay' | 'stripe'>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  if (!cfg.data) return <ErrorMessage error={cfg.error} onRetry={() => void cfg.refetch()} />;
  const { razorpay, stripe } = cfg.data.gateways;
  if (!razorpay && !stripe) return <Notice>{t('pay.clinicNote')}</Notice>;
  if (done) return <Notice tone="success">{done}</Notice>;

  const payRazorpay = async () => {
    setBusy('razorpay');
    setError(undefined);
    try {
      const created = unwrap(await api.POST('/api/user/payment-razorpay', { body: { appointmentId }, headers: { 'Idempotency-Key': idempotencyKey() } }));
      await loadCheckout();
      await new Promise<void>((resolve, reject) => {
        const rzp = new window.Razorpay!({
          key: created.key,
          amount: created.order.amount,
          currency: created.order.currency,
          order_id: created.order.id,
          name: t('app.name'),
          handler: (r) => {
            void (async () => {
              try {
                const v = unwrap(await api.POST('/api/user/verify-razorpay', { body: r }));
                setDone(v.message || t('pay.done'));
                resolve();
              } catch (err) {
                reject(err);
              }
            })();
          },
          modal: { ondismiss: () => resolve() },
        });
        rzp.on('payment.failed', () => reject(new Error(t('pay.failed'))));
        rzp.open();
      });
      await qc.invalidateQueries({ queryKey: ['patient'] });
      onPaid?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  const payStripe = async () => {
    setBusy('stripe');
    setError(undefined);
    try {
      const created = unwrap(await api.POST('/api/user/payment-stripe', { body: { appointmentId }, headers: { 'Idempotency-Key': idempotencyKey() } }));
      const url = created.session_url ?? created.session.url;
      if (!url) throw new Error(t('pay.failed'));
      window.location.assign(url);
    } catch (err) {
      setError(err);
      setBusy(undefined);
    }
  };

  return (
    <div className="stack">
      <ErrorMessage error={error} />
      <div className="row">
        {razorpay && (
          <Button onClick={payRazorpay} busy={busy === 'razorpay'} disabled={Boolean(busy)}>
            {t('pay.razorpay')}
          </Button>
        )}
        {stripe && (
          <Button onClick={payStripe} busy={busy === 'stripe'} disabled={Boolean(busy)} variant={razorpay ? 'secondary' : 'primary'}>
            {t('pay.stripe')}
          </Button>
        )}
      </div>
    </div>
  );
}
