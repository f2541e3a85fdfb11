// The page the reset email links to (<FRONTEND_URL or PUBLIC_URL>/reset-password?token=…&role=…).
// The token is taken from the URL once and the URL cleaned at once, so it stays out of history.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkPassword } from '../../lib/validate';

function takeToken(): { token?: string; role: 'patient' | 'doctor' } {
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token') ?? sessionStorage.getItem('prescripto.reset') ?? undefined;
  const role = (params.get('role') ?? sessionStorage.getItem('prescripto.resetRole')) === 'doctor' ? 'doctor' : 'patient';
  if (params.has('token') && token) {
    sessionStorage.setItem('prescripto.reset', token);
    sessionStorage.setItem('prescripto.resetRole', role);
    window.history.replaceState(null, '', '/reset-password');
  }
  return { token, role };
}

export default function ResetPassword() {
  const { t } = useI18n();
  const [{ token, role }] = useState(takeToken);
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<MessageKey>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const bad = checkPassword(password);
    setFieldError(bad);
    if (bad || !token) return;
    setBusy(true);
    setError(undefined);
    try {
      const body = { token, password };
      const res = unwrap(role === 'doctor' ? await api.POST('/api/doctor/reset-password', { body }) : await api.POST('/api/user/reset-password', { body }));
      sessionStorage.removeItem('prescripto.reset');
      sessionStorage.removeItem('prescripto.resetRole');
      setDone(res.message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!token) return <ErrorMessage error={new Error(t('auth.resetMissing'))} />;
  return (
    <section className="narrow">
      <h1>{t('auth.resetTitle')}</h1>
      {done ? (
        <>
          <Notice tone="success">{done}</Notice>
          <p>
            <Link to={role === 'doctor' ? '/doctor/login' : '/login'}>{t('auth.login')}</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} noValidate className="stack">
          <ErrorMessage error={error} />
          <Field
            label={t('auth.newPassword')}
            type="password"
            autoComplete="new-password"
            hint={t('auth.passwordHint')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldError && t(fieldError)}
            required
          />
          <Button type="submit" busy={busy}>
            {t('auth.resetSave')}
          </Button>
        </form>
      )}
    </section>
  );
}
