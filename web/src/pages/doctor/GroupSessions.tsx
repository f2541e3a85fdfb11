// The doctor's group sessions: open one (title, date and time in the doctor's zone, length, places,
// fee) and cancel one as a whole (every place cancelled and refunded by the server). The form keeps
// what was typed after an error; the server's refusal (an overlap with an appointment) is shown as is.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Notice, Spinner, StatusBadge } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useClientConfig } from '../../lib/queries';
import { ReasonAction } from '../staff/AppointmentTable';
import { PageHead } from '../staff/AreaNav';
import { doctorKeys, type DoctorProfile } from './queries';

const groupKey = [...doctorKeys.all, 'group-sessions'] as const;
const FEE = /^[0-9]{1,8}(\.[0-9]{1,2})?$/;

export default function GroupSessions({ profile }: { profile: DoctorProfile }) {
  const { t, date, time, money } = useI18n();
  const qc = useQueryClient();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const list = useQuery({ queryKey: groupKey, queryFn: async () => unwrap(await api.GET('/api/doctor/group-sessions')).sessions });
  const [title, setTitle] = useState('');
  const [day, setDay] = useState('');
  const [start, setStart] = useState('');
  const [duration, setDuration] = useState('60');
  const [capacity, setCapacity] = useState('10');
  const [fee, setFee] = useState(String(profile.fees));
  const [invalid, setInvalid] = useState(false);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const zone = profile.timeZone;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage('');
    const minutes = Number(duration);
    const places = Number(capacity);
    const bad = !title.trim() || !day || !/^\d{2}:\d{2}$/.test(start) || !Number.isInteger(minutes) || minutes < 5 || minutes > 480 || !Number.isInteger(places) || places < 1 || places > 50 || !FEE.test(fee.trim());
    setInvalid(bad);
    if (bad) return;
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/doctor/group-sessions', { body: { title: title.trim(), slotDate: day, slotTime: start, durationMinutes: minutes, capacity: places, fee: Number(fee.trim()) } }));
      await qc.invalidateQueries({ queryKey: doctorKeys.all });
      setTitle('');
      setMessage(t('doctor.groups.opened'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="stack">
      <PageHead title={t('doctor.groups.title')} />
      {message && <Notice tone="success">{message}</Notice>}
      <form onSubmit={submit} noValidate className="card stack" aria-labelledby="group-open">
        <h2 id="group-open" className="h3">
          {t('doctor.groups.open')}
        </h2>
        <p className="muted">{t('doctor.schedule.zone', { zone })}</p>
        {invalid && (
          <p className="field-error" role="alert">
            {t('doctor.groups.invalid')}
          </p>
        )}
        <ErrorMessage error={error} />
        <Field label={t('doctor.groups.name')} name="title" maxLength={120} value={title} onChange={(e) => setTitle(e.target.value)} required />
        <div className="grid-2">
          <Field label={t('doctor.groups.date')} type="date" name="date" value={day} onChange={(e) => setDay(e.target.value)} required />
          <Field label={t('doctor.groups.time')} type="time" name="time" value={start} onChange={(e) => setStart(e.target.value)} required />
        </div>
        <div className="grid-3">
          <Field label={t('doctor.groups.duration')} name="duration" inputMode="numeric" value={duration} onChange={(e) => setDuration(e.target.value)} required />
          <Field label={t('doctor.groups.capacity')} name="capacity" inputMode="numeric" value={capacity} onChange={(e) => setCapacity(e.target.value)} required />
          <Field label={t('doctor.groups.fee', { currency })} name="fee" inputMode="decimal" value={fee} onChange={(e) => setFee(e.target.value)} required />
        </div>
        <div>
          <Button type="submit" busy={busy}>
            {t('doctor.groups.submit')}
          </Button>
        </div>
      </form>
      {list.isPending ? (
        <Spinner />
      ) : list.isError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <p className="muted">{t('doctor.groups.none')}</p>
      ) : (
        <ul className="appt-list">
          {list.data.map((s) => (
            <li key={s._id} className="card appt" data-session={s._id}>
              <header>
                <h3 className="h3">{s.title}</h3>
                {s.status === 'cancelled' && <StatusBadge status="cancelled" label={t('doctor.groups.isCancelled')} />}
              </header>
              <p>{t('groups.when', { date: date(s.startsAt, { timeZone: zone, weekday: true }), time: time(s.startsAt, zone), end: time(s.endsAt, zone) })}</p>
              <p>
                {t('doctor.groups.places', { booked: s.booked, capacity: s.capacity })} · {money(s.fee, s.currency)}
              </p>
              {s.status === 'open' && (
                <div>
                <ReasonAction
                  label={t('doctor.groups.cancel')}
                  title={t('doctor.groups.cancelTitle', { title: s.title })}
                  confirmLabel={t('doctor.groups.cancelConfirm')}
                  reasonLabel={t('doctor.appts.note')}
                  variant="danger"
                  onConfirm={async (reason) => {
                    const r = unwrap(await api.POST('/api/doctor/group-sessions/{id}/cancel', { params: { path: { id: s._id } }, body: reason ? { reason } : {} }));
                    await qc.invalidateQueries({ queryKey: doctorKeys.all });
                    setMessage(t('doctor.groups.cancelled', { count: r.cancelledPlaces.length }));
                  }}
                />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
