// Change password, log out on every device; two-factor authentication (TOTP).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { logout } from '../../auth/session';
import { session } from '../../auth/store';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkPassword } from '../../lib/validate';
import { DataRights } from './DataRights';

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
      <TwoFactor />
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
      <DataRights />
    </section>
  );
}

/**
 * Two-factor: off → start setup (the server answers a secret and its otpauth:// URL) → confirm with a
 * first code (answers recovery codes, shown once) → on; turning it off needs a current code.
 */
function TwoFactor() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ['patient', '2fa'], queryFn: async () => unwrap(await api.GET('/api/user/2fa')).enabled });
  const [pending, setPending] = useState<{ secret: string; otpauthUrl: string }>();
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['patient', '2fa'] });

  const start = () =>
    run(async () => {
      const r = unwrap(await api.POST('/api/user/2fa/setup'));
      setPending({ secret: r.secret, otpauthUrl: r.otpauthUrl });
      setRecoveryCodes(undefined);
      setCode('');
    });
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) return;
    return run(async () => {
      const r = unwrap(await api.POST('/api/user/2fa/confirm', { body: { code: code.trim() } }));
      setRecoveryCodes(r.recoveryCodes);
      setPending(undefined);
      setCode('');
      await refresh();
    });
  };
  const disable = (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) return;
    return run(async () => {
      unwrap(await api.POST('/api/user/2fa/disable', { body: { code: code.trim() } }));
      setRecoveryCodes(undefined);
      setCode('');
      await refresh();
    });
  };

  const codeField = (
    <Field
      label={t('auth.otp')}
      hint={t('auth.otpHint')}
      name="otp"
      autoComplete="one-time-code"
      inputMode="numeric"
      value={code}
      onChange={(e) => setCode(e.target.value)}
      required
    />
  );

  return (
    <div className="stack card" data-testid="two-factor">
      <h2 className="h3">{t('security.twoFactor')}</h2>
      <ErrorMessage error={error ?? status.error} />
      {status.data === undefined ? null : status.data ? (
        <>
          <Notice tone="success">{t('security.twoFactorOn')}</Notice>
          {recoveryCodes && (
            <div className="stack">
              <p>{t('security.recoveryCodes')}</p>
              <ul className="recovery-codes" data-testid="recovery-codes">
                {recoveryCodes.map((c) => (
                  <li key={c}>
                    <code>{c}</code>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <form onSubmit={disable} noValidate className="stack">
            <p>{t('security.twoFactorDisableHelp')}</p>
            {codeField}
            <div>
              <Button type="submit" variant="danger" busy={busy}>
                {t('security.twoFactorDisable')}
              </Button>
            </div>
          </form>
        </>
      ) : pending ? (
        <form onSubmit={confirm} noValidate className="stack">
          <p>{t('security.twoFactorSecret')}</p>
          <p>
            <code data-testid="totp-secret">{pending.secret}</code>
          </p>
          <p>
            <a href={pending.otpauthUrl}>{t('security.twoFactorOpenApp')}</a>
          </p>
          {codeField}
          <div className="row">
            <Button type="submit" busy={busy}>
              {t('security.twoFactorConfirm')}
            </Button>
            <Button variant="secondary" onClick={() => setPending(undefined)} disabled={busy}>
              {t('security.twoFactorCancel')}
            </Button>
          </div>
        </form>
      ) : (
        <>
          <p>{t('security.twoFactorOff')} {t('security.twoFactorHelp')}</p>
          <div>
            <Button busy={busy} onClick={start}>
              {t('security.twoFactorStart')}
            </Button>
          </div>
        </>
      )}
    </div>
  );
}
