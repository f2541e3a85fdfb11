// Where Stripe sends the patient back (/verify?success=…&appointmentId=…&session_id=…): the server
// asks Stripe about the session; the query string is then removed from the address bar.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorMessage, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';

const KEY = 'prescripto.verify';

// One verification per return from Stripe, shared by every mount of the page: the page can mount
// again while the answer is on its way (translations or a lazy chunk arriving), and a second call
// would answer "already verified" instead of the first call's outcome.
const inflight = new Map<string, Promise<{ message?: string }>>();
function verifyOnce(body: { appointmentId: string; session_id?: string; success?: string }): Promise<{ message?: string }> {
  const key = JSON.stringify(body);
  let p = inflight.get(key);
  if (!p) {
    p = api.POST('/api/user/verify-stripe', { body }).then((r) => unwrap(r));
    inflight.set(key, p);
    // a failed call may be tried again (a reload after a network error)
    p.catch(() => inflight.delete(key));
  }
  return p;
}

function takeParams(): { appointmentId?: string; sessionId?: string; success?: string } {
  const q = new URLSearchParams(window.location.search);
  if (q.has('appointmentId')) {
    const v = { appointmentId: q.get('appointmentId') ?? undefined, sessionId: q.get('session_id') ?? undefined, success: q.get('success') ?? undefined };
    sessionStorage.setItem(KEY, JSON.stringify(v));
    window.history.replaceState(null, '', '/verify');
    return v;
  }
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? '{}') as ReturnType<typeof takeParams>;
  } catch {
    return {};
  }
}

export default function Verify() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [params] = useState(takeParams);
  const [result, setState] = useState<{ done?: string; error?: unknown }>({});
  // back from Stripe without paying: nothing to verify
  const state: { done?: string; error?: unknown; left?: boolean } = params.success === 'false' ? { left: true } : result;

  useEffect(() => {
    const { appointmentId, sessionId, success } = params;
    if (!appointmentId) return;
    if (success === 'false') return;
    let live = true;
    void (async () => {
      try {
        const r = await verifyOnce({ appointmentId, ...(sessionId ? { session_id: sessionId } : {}), ...(success ? { success } : {}) });
        sessionStorage.removeItem(KEY);
        await qc.invalidateQueries({ queryKey: ['patient'] });
        if (live) setState({ done: r.message });
      } catch (err) {
        if (live) setState({ error: err });
      }
    })();
    return () => {
      live = false;
    };
    // not on `t`: the translations arriving while the answer is on its way must not verify a second
    // time (the second answer says "already verified")
  }, [params, qc]);

  return (
    <section className="narrow stack">
      <h1>{t('pay.title')}</h1>
      {!params.appointmentId ? (
        <ErrorMessage error={new Error(t('pay.failed'))} />
      ) : state.left ? (
        <Notice>{t('pay.cancelled')}</Notice>
      ) : state.done !== undefined ? (
        <Notice tone="success">{state.done || t('pay.done')}</Notice>
      ) : state.error ? (
        <ErrorMessage error={state.error} />
      ) : (
        <Spinner label={t('pay.verifying')} />
      )}
      <p>
        <Link to="/appointments">{t('nav.appointments')}</Link>
      </p>
    </section>
  );
}
