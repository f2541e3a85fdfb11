import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { register } from '../../auth/session';
import { Button, ErrorMessage, Field } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkEmail, checkName, checkPassword } from '../../lib/validate';

export default function Register() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<Partial<Record<keyof typeof form, MessageKey>>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = { name: checkName(form.name), email: checkEmail(form.email), password: checkPassword(form.password) };
    setErrors(found);
    if (found.name || found.email || found.password) return;
    setBusy(true);
    setError(undefined);
    try {
      await register({ name: form.name.trim(), email: form.email.trim(), password: form.password });
      navigate(from ?? '/', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t('auth.registerTitle')}</h1>
      <form onSubmit={submit} noValidate className="stack">
        <ErrorMessage error={error} />
        <Field label={t('auth.name')} name="name" autoComplete="name" value={form.name} onChange={set('name')} error={errors.name && t(errors.name)} maxLength={100} required />
        <Field label={t('auth.email')} type="email" name="email" autoComplete="email" value={form.email} onChange={set('email')} error={errors.email && t(errors.email)} required />
        <Field
          label={t('auth.password')}
          type="password"
          name="password"
          autoComplete="new-password"
          hint={t('auth.passwordHint')}
          value={form.password}
          onChange={set('password')}
          error={errors.password && t(errors.password)}
          required
        />
        <Button type="submit" busy={busy}>
          {t('auth.register')}
        </Button>
      </form>
      <p>
        <Link to="/login" state={location.state}>
          {t('auth.haveAccount')}
        </Link>
      </p>
    </section>
  );
}
