// Change password. `first`: the doctor logged in with the temporary password the admin gave and must
// choose their own before anything else. The server ends every session of the account on a change, so
// the doctor logs in again with the new password.
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { session } from '../../auth/store';
import { Button, ErrorMessage, Field } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkPassword } from '../../lib/validate';
import { leaveArea } from './leaving';

export default function ChangePassword({ first = false }: { first?: boolean }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [oldPassword, setOld] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ old?: MessageKey; new?: MessageKey; confirm?: MessageKey }>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = {
      old: oldPassword ? undefined : ('validation.required' as const),
      new: checkPassword(newPassword) ?? (newPassword === oldPassword ? ('doctor.password.same' as const) : undefined),
      confirm: confirm === newPassword ? undefined : ('doctor.password.mismatch' as const),
    };
    setErrors(found);
    if (found.old || found.new || found.confirm) return;
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/doctor/change-password', { body: { oldPassword, newPassword } }));
      // every session of the account has ended on the server: forget this one and log in again. The
      // area steps aside first, or its role guard would send the signed-out doctor to the login page
      // itself, without the notice.
      leaveArea();
      navigate('/doctor/login', { replace: true, state: { message: 'doctor.password.changed' } });
      session.signedOut();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t(first ? 'doctor.password.firstTitle' : 'doctor.password.title')}</h1>
      <p className="muted">{t(first ? 'doctor.password.firstLead' : 'doctor.password.lead')}</p>
      <form onSubmit={submit} noValidate className="stack">
        <ErrorMessage error={error} />
        <Field
          label={t(first ? 'doctor.password.temporary' : 'auth.currentPassword')}
          type="password"
          name="oldPassword"
          autoComplete="current-password"
          value={oldPassword}
          onChange={(e) => setOld(e.target.value)}
          error={errors.old && t(errors.old)}
          required
        />
        <Field
          label={t('auth.newPassword')}
          hint={t('auth.passwordHint')}
          type="password"
          name="newPassword"
          autoComplete="new-password"
          value={newPassword}
          onChange={(e) => setNew(e.target.value)}
          error={errors.new && t(errors.new)}
          required
        />
        <Field
          label={t('doctor.password.confirm')}
          type="password"
          name="confirmPassword"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.confirm && t(errors.confirm)}
          required
        />
        <Button type="submit" busy={busy}>
          {t('doctor.password.save')}
        </Button>
      </form>
    </section>
  );
}
