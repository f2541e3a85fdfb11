import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkEmail } from '../../lib/validate';

export default function ForgotPassword() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const role = params.get('role') === 'doctor' ? 'doctor' : 'patient';
  const [email, setEmail] = useState('');
  const [fieldError, setFieldError] = useState<MessageKey>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const bad = checkEmail(email);
    setFieldError(bad);
    if (bad) return;
    setBusy(true);
    setError(undefined);
    try {
      const body = { email: email.trim() };
      const res = unwrap(role === 'doctor' ? await api.POST('/api/doctor/forgot-password', { body }) : await api.POST('/api/user/forgot-password', { body }));
      setDone(res.message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t('auth.forgotTitle')}</h1>
      {done ? (
        <Notice tone="success">{done}</Notice>
      ) : (
        <form onSubmit={submit} noValidate className="stack">
          <ErrorMessage error={error} />
          <Field label={t('auth.email')} type="email" name="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError && t(fieldError)} required />
          <Button type="submit" busy={busy}>
            {t('auth.forgotSend')}
          </Button>
        </form>
      )}
    </section>
  );
}
