// "Allow notifications on this device": a checkbox that turns Web Push on or off for the signed-in
// patient or doctor on this browser (lib/push.ts). It shows why when the browser cannot, the user
// blocked notifications, or the server has push turned off.
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n';
import { currentSubscription, disablePush, enablePush, pushSupported, PushRefused, type PushRole } from '../lib/push';
import { ErrorMessage } from './ui';

export function PushToggle({ role }: { role: PushRole }) {
  const { t } = useI18n();
  const supported = pushSupported();
  const [on, setOn] = useState<boolean | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!supported) return;
    let live = true;
    currentSubscription()
      .then((sub) => live && setOn(sub !== null && Notification.permission === 'granted'))
      .catch(() => live && setOn(false));
    return () => {
      live = false;
    };
  }, [supported]);

  if (!supported) return <p className="muted">{t('push.unsupported')}</p>;

  async function change(next: boolean) {
    setBusy(true);
    setProblem(undefined);
    setError(undefined);
    try {
      if (next) await enablePush(role);
      else await disablePush(role);
      setOn(next);
    } catch (err) {
      if (err instanceof PushRefused) setProblem(err.message === 'denied' ? t('push.denied') : t('push.off'));
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack push-toggle">
      <label>
        <input type="checkbox" checked={on === true} disabled={busy || on === undefined} aria-busy={busy || undefined} onChange={(e) => void change(e.target.checked)} />{' '}
        {t('push.allow')}
      </label>
      <p className="muted" role="status">
        {on === true ? t('push.onHint') : ''}
      </p>
      {problem && (
        <div className="alert alert-error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
