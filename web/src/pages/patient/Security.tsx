// Change password, log out on every device; two-factor authentication where the account type has it.
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { logout } from '../../auth/session';
import { session } from '../../auth/store';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkPassword } from '../../lib/validate';

export default function Security() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [oldPassword, setOld] = useState('');
  const [newPassword, setNew] = useState('');
  const [fieldError, setFieldError] = useState<MessageKey>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [outBusy, setOutBusy] = useState(false);

  const change = async (e: FormEvent) => {
    e.preventDefault();
    const bad = checkPassword(newPassword);
    setFieldError(bad);
    if (bad || !oldPassword) return;
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/user/change-password', { body: { oldPassword, newPassword } }));
      // every session ended on the server, this one too
      session.signedOut();
      navigate('/login', { replace: true, state: { message: 'security.passwordChanged' } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow stack">
      <h1>{t('security.title')}</h1>
      <form onSubmit={change} noValidate className="stack card">
        <h2 className="h3">{t('security.changePassword')}</h2>
        <ErrorMessage error={error} />
        <Field label={t('auth.currentPassword')} type="password" autoComplete="current-password" value={oldPassword} onChange={(e) => setOld(e.target.value)} required />
        <Field
          label={t('auth.newPassword')}
          type="password"
          autoComplete="new-password"
          hint={t('auth.passwordHint')}
          value={newPassword}
          onChange={(e) => setNew(e.target.value)}
          error={fieldError && t(fieldError)}
          required
        />
        <div>
          <Button type="submit" busy={busy}>
            {t('security.changePassword')}
          </Button>
        </div>
      </form>
      <div className="stack card">
        <h2 className="h3">{t('security.twoFactor')}</h2>
        <Notice>{t('security.twoFactorUnavailable')}</Notice>
      </div>
      <div className="stack card">
        <h2 className="h3">{t('auth.logoutEverywhere')}</h2>
        <p>{t('auth.logoutEverywhereHelp')}</p>
        <div>
          <Button
            variant="danger"
            busy={outBusy}
            onClick={async () => {
              setOutBusy(true);
              await logout({ everywhere: true });
              navigate('/login', { replace: true });
            }}
          >
            {t('auth.logoutEverywhere')}
          </Button>
        </div>
      </div>
    </section>
  );
}
