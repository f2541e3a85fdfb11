// One login form for every role. With two-factor authentication on, the server answers 401 with
// `x-2fa-required: totp`: the form then asks for the code and sends the same credentials again.
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { Role } from '../../auth/store';
import { login, requires2fa } from '../../auth/session';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkEmail } from '../../lib/validate';
import { takeLoginNotice } from '../../lib/login-notice';

const HOME: Record<Role, string> = { patient: '/appointments', doctor: '/doctor', admin: '/admin' };

export function LoginForm({ role, title }: { role: Role; title: MessageKey }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [leftNotice] = useState(takeLoginNotice);
  const notice = (location.state as { message?: MessageKey } | null)?.message ?? leftNotice;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [needOtp, setNeedOtp] = useState(false);
  const [errors, setErrors] = useState<{ email?: MessageKey; password?: MessageKey }>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = { email: checkEmail(email), password: password ? undefined : ('validation.required' as const) };
    setErrors(found);
    if (found.email || found.password) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await login(role, { email: email.trim(), password, ...(needOtp && otp ? { otp: otp.trim() } : {}) });
      navigate(r.mustChangePassword ? '/doctor/change-password' : (from ?? HOME[role]), { replace: true });
    } catch (err) {
      if (requires2fa(err) && !needOtp) setNeedOtp(true);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t(title)}</h1>
      <form onSubmit={submit} noValidate className="stack">
        {notice && <Notice>{t(notice)}</Notice>}
        <ErrorMessage error={error} />
        <Field label={t('auth.email')} type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email && t(errors.email)} required />
        <Field
          label={t('auth.password')}
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password && t(errors.password)}
          required
        />
        {needOtp && (
          <Field
            label={t('auth.otp')}
            hint={t('auth.otpHint')}
            name="otp"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={otp}
            onChange={(e) => setOtp(e.target.value)}
            autoFocus
            required
          />
        )}
        <Button type="submit" busy={busy}>
          {t('auth.login')}
        </Button>
      </form>
      {role !== 'admin' && (
        <p>
          <Link to={role === 'patient' ? '/forgot-password' : '/forgot-password?role=doctor'}>{t('auth.forgot')}</Link>
        </p>
      )}
      {role === 'patient' && (
        <p>
          <Link to="/register" state={location.state}>
            {t('auth.noAccount')}
          </Link>
        </p>
      )}
    </section>
  );
}
