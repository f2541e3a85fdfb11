// The doctor's profile: photo, fee, address, about, and whether they take bookings. Saved with one
// update-profile call (multipart when a new photo is chosen); the form keeps what was typed after an
// error. Availability also has its own switch that saves at once.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { PushToggle } from '../../components/PushToggle';
import { Button, ErrorMessage, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useClientConfig } from '../../lib/queries';
import { PageHead } from '../staff/AreaNav';
import { AvailabilitySwitch } from '../staff/Switch';
import { doctorKeys, type DoctorProfile } from './queries';

type UpdateBody = NonNullable<paths['/api/doctor/update-profile']['post']['requestBody']>['content']['application/json'];
const FEES = /^[0-9]{1,9}(\.[0-9]{1,2})?$/;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_IMAGE = 5 * 1024 * 1024;

/** A multipart body: every field as text (objects as JSON), the photo as `image`. */
export function toFormData(fields: object, image?: File): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v instanceof Blob) fd.append(k, v);
    else fd.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  if (image) fd.append('image', image);
  return fd;
}

export function checkImage(file: File | undefined): MessageKey | undefined {
  if (!file) return undefined;
  if (!IMAGE_TYPES.includes(file.type)) return 'staff.photo.type';
  if (file.size > MAX_IMAGE) return 'staff.photo.size';
  return undefined;
}

export default function Profile({ profile }: { profile: DoctorProfile }) {
  const { t, money } = useI18n();
  const qc = useQueryClient();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const [fees, setFees] = useState(String(profile.fees));
  const [line1, setLine1] = useState(profile.address.line1);
  const [line2, setLine2] = useState(profile.address.line2);
  const [about, setAbout] = useState(profile.about);
  const [image, setImage] = useState<File>();
  const [errors, setErrors] = useState<{ fees?: MessageKey; image?: MessageKey }>({});
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = { fees: FEES.test(fees.trim()) ? undefined : ('doctor.profile.feesInvalid' as const), image: checkImage(image) };
    setErrors(found);
    setSaved('');
    if (found.fees || found.image) return;
    setBusy(true);
    setError(undefined);
    const body: UpdateBody = { fees: Number(fees.trim()), address: { line1: line1.trim(), line2: line2.trim() }, about: about.trim() };
    try {
      const r = unwrap(
        image
          ? await api.POST('/api/doctor/update-profile', { body, bodySerializer: (b: UpdateBody) => toFormData(b, image) })
          : await api.POST('/api/doctor/update-profile', { body }),
      );
      qc.setQueryData(doctorKeys.profile, r.profileData);
      await qc.invalidateQueries({ queryKey: doctorKeys.all });
      setImage(undefined);
      setSaved(r.message || t('app.saved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageHead title={t('doctor.profile.title')} />
      <div className="two-col">
        <div className="stack">
          <div className="profile-photo">
            <img src={profile.image} alt={t('doctor.photo', { name: profile.name })} width="120" height="120" className="avatar" />
            <div>
              <p className="h3">{profile.name}</p>
              <p className="muted">
                {profile.speciality} · {profile.degree} · {profile.experience}
              </p>
              <p className="muted">{profile.email}</p>
              <p>
                {t('doctor.fee')}: <strong>{money(profile.fees, currency)}</strong>
              </p>
            </div>
          </div>
          <AvailabilitySwitch
            label={t('doctor.profile.available')}
            checked={profile.available}
            onChange={async (available) => {
              unwrap(await api.POST('/api/doctor/change-availability', { body: { available } }));
              await qc.invalidateQueries({ queryKey: doctorKeys.all });
            }}
          />
          <ConsultationModes profile={profile} />
          <section className="stack" aria-labelledby="push-heading">
            <h2 className="h3" id="push-heading">
              {t('push.heading')}
            </h2>
            <PushToggle role="doctor" />
          </section>
        </div>
        <form onSubmit={submit} noValidate className="stack" aria-label={t('doctor.profile.edit')}>
          <ErrorMessage error={error} />
          {saved && <Notice tone="success">{saved}</Notice>}
          <Field
            label={t('doctor.profile.fees', { currency })}
            name="fees"
            inputMode="decimal"
            value={fees}
            onChange={(e) => setFees(e.target.value)}
            error={errors.fees && t(errors.fees)}
            required
          />
          <Field label={t('profile.address1')} name="line1" value={line1} maxLength={200} onChange={(e) => setLine1(e.target.value)} />
          <Field label={t('profile.address2')} name="line2" value={line2} maxLength={200} onChange={(e) => setLine2(e.target.value)} />
          <label className="field">
            <span>{t('doctor.about')}</span>
            <textarea name="about" rows={5} maxLength={5000} value={about} onChange={(e) => setAbout(e.target.value)} />
          </label>
          <Field
            label={t('profile.photo')}
            hint={t('profile.photoHint')}
            type="file"
            name="image"
            accept={IMAGE_TYPES.join(',')}
            onChange={(e) => setImage(e.target.files?.[0])}
            error={errors.image && t(errors.image)}
          />
          <Button type="submit" busy={busy}>
            {t('app.save')}
          </Button>
        </form>
      </div>
    </section>
  );
}

type Mode = DoctorProfile['consultationModes'][number];
const MODES: Mode[] = ['in_person', 'video'];

/** Which ways patients may book: in person, video or both (at least one); saved at once to the schedule settings. */
function ConsultationModes({ profile }: { profile: DoctorProfile }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [modes, setModes] = useState<Mode[]>(profile.consultationModes);
  const [invalid, setInvalid] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    setInvalid(modes.length === 0);
    if (modes.length === 0) return;
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.PATCH('/api/doctor/schedule/settings', { body: { consultationModes: modes } }));
      await qc.invalidateQueries({ queryKey: doctorKeys.all });
      await qc.invalidateQueries({ queryKey: ['doctors'] });
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="stack" aria-label={t('doctor.profile.modes')}>
      <fieldset className="radio-row" aria-describedby="modes-hint">
        <legend>{t('doctor.profile.modes')}</legend>
        {MODES.map((m) => (
          <label key={m}>
            <input
              type="checkbox"
              name="consultationModes"
              value={m}
              checked={modes.includes(m)}
              onChange={(e) => setModes(MODES.filter((x) => (x === m ? e.target.checked : modes.includes(x))))}
            />{' '}
            {t(m === 'video' ? 'mode.video' : 'mode.in_person')}
          </label>
        ))}
      </fieldset>
      <p id="modes-hint" className="muted small">
        {t('doctor.profile.modesHint')}
      </p>
      {invalid && (
        <p className="field-error" role="alert">
          {t('doctor.profile.modesNone')}
        </p>
      )}
      <ErrorMessage error={error} />
      {saved && <Notice tone="success">{t('doctor.profile.modesSaved')}</Notice>}
      <div>
        <Button type="submit" variant="secondary" busy={busy}>
          {t('doctor.profile.modesSave')}
        </Button>
      </div>
    </form>
  );
}
