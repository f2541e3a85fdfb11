// Add a doctor: the details, a photo (sent as multipart), and optionally a temporary password. Without
// one the doctor gets a welcome email with a "set your password" link; with one they must change it at
// first login. Everything typed stays in the form after an error.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useClientConfig } from '../../lib/queries';
import { checkEmail, checkName, checkPassword } from '../../lib/validate';
import { checkImage, toFormData } from '../doctor/Profile';
import { PageHead } from '../staff/AreaNav';
import { adminKeys, useAllDoctors } from './queries';

type AddBody = NonNullable<paths['/api/admin/add-doctor']['post']['requestBody']>['content']['multipart/form-data'];
const SPECIALITIES = ['General physician', 'Gynecologist', 'Dermatologist', 'Pediatricians', 'Neurologist', 'Gastroenterologist'];
const EMPTY = { name: '', email: '', password: '', speciality: '', degree: '', experience: '', about: '', fees: '', line1: '', line2: '' };
type Form = typeof EMPTY;

export default function AddDoctor() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const doctors = useAllDoctors();
  const [form, setForm] = useState<Form>(EMPTY);
  const [image, setImage] = useState<File>();
  const [errors, setErrors] = useState<Partial<Record<keyof Form | 'image', MessageKey>>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ name: string; message: string }>();
  const fileInput = useRef<HTMLInputElement>(null);
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const specialities = [...new Set([...SPECIALITIES, ...(doctors.data ?? []).map((d) => d.speciality)])].sort();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const req = (v: string) => (v.trim() ? undefined : ('validation.required' as const));
    const found: typeof errors = {
      name: checkName(form.name),
      email: checkEmail(form.email),
      password: form.password ? checkPassword(form.password) : undefined,
      speciality: req(form.speciality),
      degree: req(form.degree),
      experience: req(form.experience),
      about: req(form.about),
      fees: /^\d{1,9}(\.\d{1,2})?$/.test(form.fees.trim()) ? undefined : 'doctor.profile.feesInvalid',
      line1: req(form.line1),
      image: image ? checkImage(image) : 'admin.add.photoRequired',
    };
    setErrors(found);
    setAdded(undefined);
    if (Object.values(found).some(Boolean)) {
      setError(new Error(t('validation.formHasErrors')));
      return;
    }
    if (!image) return; // refused above: the photo is required
    setBusy(true);
    setError(undefined);
    const body: AddBody = {
      name: form.name.trim(),
      email: form.email.trim(),
      ...(form.password ? { password: form.password } : {}),
      speciality: form.speciality.trim(),
      degree: form.degree.trim(),
      experience: form.experience.trim(),
      about: form.about.trim(),
      fees: Number(form.fees.trim()),
      address: { line1: form.line1.trim(), line2: form.line2.trim() },
      image,
    };
    try {
      const r = unwrap(await api.POST('/api/admin/add-doctor', { body, bodySerializer: (b: AddBody) => toFormData(b) }));
      setAdded({ name: r.doctor.name, message: r.message });
      setForm(EMPTY);
      setImage(undefined);
      if (fileInput.current) fileInput.current.value = '';
      await qc.invalidateQueries({ queryKey: adminKeys.all });
      await qc.invalidateQueries({ queryKey: ['doctors'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const err = (k: keyof typeof errors) => (errors[k] ? t(errors[k]) : undefined);
  return (
    <section>
      <PageHead title={t('admin.add.title')} />
      {added && (
        <Notice tone="success">
          <p>{t('admin.add.done', { name: added.name })}</p>
          <p>{added.message}</p>
          <p>
            <Link to="/admin/doctors">{t('admin.add.toList')}</Link>
          </p>
        </Notice>
      )}
      <form onSubmit={submit} noValidate className="stack" aria-label={t('admin.add.title')}>
        <ErrorMessage error={error} />
        <div className="grid-2">
          <Field label={t('auth.name')} name="name" value={form.name} maxLength={100} onChange={set('name')} error={err('name')} required />
          <Field label={t('auth.email')} type="email" name="email" autoComplete="off" value={form.email} maxLength={254} onChange={set('email')} error={err('email')} required />
          <Field
            label={`${t('admin.add.password')} (${t('app.optional')})`}
            hint={t('admin.add.passwordHint')}
            type="password"
            name="password"
            autoComplete="new-password"
            value={form.password}
            onChange={set('password')}
            error={err('password')}
          />
          <Field label={t('admin.add.speciality')} name="speciality" list="speciality-list" value={form.speciality} maxLength={100} onChange={set('speciality')} error={err('speciality')} required />
          <datalist id="speciality-list">
            {specialities.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <Field label={t('admin.add.degree')} name="degree" value={form.degree} maxLength={100} onChange={set('degree')} error={err('degree')} required />
          <Field
            label={t('admin.add.experience')}
            hint={t('admin.add.experienceHint')}
            name="experience"
            value={form.experience}
            maxLength={50}
            onChange={set('experience')}
            error={err('experience')}
            required
          />
          <Field label={t('doctor.profile.fees', { currency })} name="fees" inputMode="decimal" value={form.fees} onChange={set('fees')} error={err('fees')} required />
          <Field label={t('profile.address1')} name="line1" value={form.line1} maxLength={200} onChange={set('line1')} error={err('line1')} required />
          <Field label={t('profile.address2')} name="line2" value={form.line2} maxLength={200} onChange={set('line2')} />
        </div>
        <div className="field">
          <label htmlFor="add-about">{t('doctor.about')}</label>
          <textarea
            id="add-about"
            name="about"
            rows={4}
            maxLength={5000}
            value={form.about}
            onChange={set('about')}
            aria-invalid={errors.about ? true : undefined}
            aria-describedby={errors.about ? 'add-about-error' : undefined}
            required
          />
          {errors.about && (
            <p className="field-error" id="add-about-error">
              {t(errors.about)}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="add-photo">{t('profile.photo')}</label>
          <input
            id="add-photo"
            ref={fileInput}
            type="file"
            name="image"
            accept="image/jpeg,image/png,image/webp"
            aria-describedby={errors.image ? 'add-photo-hint add-photo-error' : 'add-photo-hint'}
            aria-invalid={errors.image ? true : undefined}
            onChange={(e) => setImage(e.target.files?.[0])}
            required
          />
          <p className="hint" id="add-photo-hint">
            {t('profile.photoHint')}
          </p>
          {errors.image && (
            <p className="field-error" id="add-photo-error">
              {t(errors.image)}
            </p>
          )}
        </div>
        <div>
          <Button type="submit" busy={busy}>
            {t('admin.add.submit')}
          </Button>
        </div>
      </form>
    </section>
  );
}
