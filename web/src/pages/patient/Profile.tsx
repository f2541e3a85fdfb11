// Profile edit with a photo (multipart to /api/user/update-profile). What was typed stays after an error.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Notice, Select, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { checkName } from '../../lib/validate';

interface Form {
  name: string;
  phone: string;
  line1: string;
  line2: string;
  gender: string;
  dob: string;
}

const GENDERS: { value: string; key: MessageKey }[] = [
  { value: 'Not Selected', key: 'profile.gender.none' },
  { value: 'Male', key: 'profile.gender.male' },
  { value: 'Female', key: 'profile.gender.female' },
  { value: 'Other', key: 'profile.gender.other' },
];

export default function Profile() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const profile = useQuery({ queryKey: ['patient', 'profile'], queryFn: async () => unwrap(await api.GET('/api/user/get-profile')).userData });
  // what the person changed, over what the server holds: typed values survive an error, and a save
  // (which refetches the profile) starts again from the server's copy
  const [edits, setEdits] = useState<Partial<Form>>({});
  const [photo, setPhoto] = useState<File>();
  const preview = useMemo(() => (photo ? URL.createObjectURL(photo) : undefined), [photo]);
  const [errors, setErrors] = useState<Partial<Record<keyof Form, MessageKey>>>({});
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview);
  }, [preview]);

  if (profile.isPending) return <Spinner />;
  if (profile.error) return <ErrorMessage error={profile.error} onRetry={() => void profile.refetch()} />;
  const u = profile.data;
  const form: Form = {
    name: u.name,
    phone: u.phone,
    line1: u.address.line1,
    line2: u.address.line2,
    gender: u.gender,
    dob: u.dob === 'Not Selected' ? '' : u.dob,
    ...edits,
  };
  const set = (k: keyof Form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setSaved(false);
    setEdits({ ...edits, [k]: e.target.value });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: Partial<Record<keyof Form, MessageKey>> = {
      name: checkName(form.name),
      phone: form.phone && !/^\+?[0-9 ()-]{6,30}$/.test(form.phone) ? 'validation.phone' : undefined,
    };
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    setError(undefined);
    try {
      const fd = new FormData();
      fd.append('name', form.name.trim());
      fd.append('phone', form.phone.trim());
      fd.append('address', JSON.stringify({ line1: form.line1, line2: form.line2 }));
      fd.append('gender', form.gender);
      if (form.dob) fd.append('dob', form.dob);
      if (photo) fd.append('image', photo);
      unwrap(await api.POST('/api/user/update-profile', { body: {} as never, bodySerializer: () => fd }));
      await qc.invalidateQueries({ queryKey: ['patient', 'profile'] });
      setEdits({});
      setPhoto(undefined);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t('profile.title')}</h1>
      <form onSubmit={submit} noValidate className="stack">
        {saved && <Notice tone="success">{t('profile.saved')}</Notice>}
        <ErrorMessage error={error} />
        <div className="profile-photo">
          <img src={preview ?? profile.data.image} alt="" width="96" height="96" className="avatar" />
          <Field label={t('profile.photo')} hint={t('profile.photoHint')} type="file" accept="image/jpeg,image/png,image/webp" onChange={(e) => setPhoto(e.target.files?.[0])} />
        </div>
        <Field label={t('auth.name')} value={form.name} onChange={set('name')} autoComplete="name" maxLength={100} error={errors.name && t(errors.name)} required />
        <Field label={t('auth.email')} value={profile.data.email} readOnly />
        <Field label={t('profile.phone')} type="tel" value={form.phone} onChange={set('phone')} autoComplete="tel" maxLength={30} error={errors.phone && t(errors.phone)} />
        <Field label={t('profile.address1')} value={form.line1} onChange={set('line1')} autoComplete="address-line1" maxLength={200} />
        <Field label={t('profile.address2')} value={form.line2} onChange={set('line2')} autoComplete="address-line2" maxLength={200} />
        <Select label={t('profile.gender')} value={form.gender} onChange={set('gender')} options={GENDERS.map((g) => ({ value: g.value, label: t(g.key) }))} />
        <Field label={t('profile.dob')} type="date" value={form.dob} onChange={set('dob')} max={new Date().toISOString().slice(0, 10)} />
        <Button type="submit" busy={busy}>
          {t('app.save')}
        </Button>
      </form>
    </section>
  );
}
