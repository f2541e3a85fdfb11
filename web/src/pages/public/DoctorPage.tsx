// A doctor's page: profile from the (cached) doctor list, real free times, and booking in one
// screen. The chosen day and time live in the URL (?day=&at=), so a reload, or a detour through
// login or registration, keeps them; the booking's Idempotency-Key is kept in sessionStorage per
// choice, so a retry after a lost answer cannot book twice.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, idempotencyKey, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { PayPanel } from '../../components/PayPanel';
import { SlotPicker, useSlots, type Slot } from '../../components/SlotPicker';
import { Button, ErrorMessage, Notice, Spinner } from '../../components/ui';
import { DoctorReviews } from './DoctorReviews';
import { RatingSummary } from '../../components/Reviews';
import { useI18n } from '../../i18n';
import { useClientConfig, useDoctors, type Appointment } from '../../lib/queries';
import { NotFound } from './NotFound';
import { VideoInfo } from '../../components/VideoInfo';
import { GroupSessionList } from '../../components/GroupSessionList';
import { WaitlistJoin } from '../../components/WaitlistJoin';
import { useNow } from '../../lib/now';
import { localDay } from '../staff/util';
import { RepeatSelect, SeriesPanel, type BookedSeries, type Cadence } from '../../components/SeriesPanel';

type Mode = 'in_person' | 'video';

function bookingKey(docId: string, startsAt: string): string {
  const name = `prescripto.booking.${docId}.${startsAt}`;
  let key = sessionStorage.getItem(name);
  if (!key) {
    key = idempotencyKey();
    sessionStorage.setItem(name, key);
  }
  return key;
}

export default function DoctorPage() {
  const { docId = '' } = useParams();
  const { t, money, date, time } = useI18n();
  const doctors = useDoctors();
  const cfg = useClientConfig();
  const s = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [booked, setBooked] = useState<Appointment>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [chosenMode, setMode] = useState<Mode>();
  const [repeat, setRepeat] = useState<Cadence | 'once'>('once');
  const [series, setSeries] = useState<BookedSeries>();
  const doctor = doctors.data?.find((d) => d._id === docId);
  const slots = useSlots(docId, doctor?.timeZone ?? 'UTC');
  const now = useNow(60_000);

  if (doctors.isPending) return <Spinner />;
  if (doctors.error) return <ErrorMessage error={doctors.error} onRetry={() => void doctors.refetch()} />;
  if (!doctor) return <NotFound />;

  const currency = cfg.data?.currency ?? 'INR';
  const modes = doctor.consultationModes;
  const mode: Mode = chosenMode && modes.includes(chosenMode) ? chosenMode : modes[0];
  const at = params.get('at') ?? undefined;
  const chosen: Slot | undefined = slots.data?.find((x) => x.startsAt === at);
  const patient = s.status === 'signed-in' && s.role === 'patient';
  const setParam = (next: Record<string, string | undefined>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p, { replace: true });
  };

  const book = async () => {
    if (!chosen) return;
    if (s.status !== 'signed-in' || s.role !== 'patient') {
      navigate('/login', { state: { from: location.pathname + location.search } });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const res = unwrap(
        await api.POST('/api/user/book-appointment', {
          body: { docId, slotDate: chosen.slotDate, slotTime: chosen.slotTime, mode },
          headers: { 'Idempotency-Key': bookingKey(docId, chosen.startsAt) },
        }),
      );
      sessionStorage.removeItem(`prescripto.booking.${docId}.${chosen.startsAt}`);
      setBooked(res.appointment);
      setParam({ at: undefined });
      await qc.invalidateQueries({ queryKey: ['patient'] });
      await qc.invalidateQueries({ queryKey: ['slots', docId] });
    } catch (err) {
      setError(err);
      void slots.refetch();
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="stack">
      <div className="doctor-head">
        <img src={doctor.image} alt={t('doctor.photo', { name: doctor.name })} width="160" height="160" className="avatar" />
        <div>
          <h1>{doctor.name}</h1>
          <p className="muted">
            {doctor.speciality} · {doctor.degree} · {t('doctor.experience', { years: doctor.experience })}
          </p>
          <RatingSummary average={doctor.ratingAverage} count={doctor.ratingCount} />
          <p>
            {t('doctor.fee')}: <strong>{money(doctor.fees, currency)}</strong>
          </p>
          <p>
            {t('mode.label')}: {modes.map((m) => t(m === 'video' ? 'mode.video' : 'mode.in_person')).join(' · ')}
          </p>
          <p className={doctor.available ? 'available' : 'unavailable'}>
            <span className="dot" aria-hidden="true" />
            {doctor.available ? t('doctor.available') : t('doctor.unavailable')}
          </p>
        </div>
      </div>
      {doctor.about && (
        <section>
          <h2>{t('doctor.about')}</h2>
          <p>{doctor.about}</p>
        </section>
      )}
      <section>
        <h2>{t('doctor.address')}</h2>
        <p>
          {doctor.address.line1}
          {doctor.address.line2 && (
            <>
              <br />
              {doctor.address.line2}
            </>
          )}
        </p>
      </section>
      <GroupSessionList docId={docId} timeZone={doctor.timeZone} />
      <section aria-labelledby="slots-title" className="stack">
        <h2 id="slots-title">{t('slots.title')}</h2>
        {series ? (
          <div className="stack">
            <Notice tone="success">
              {t('series.booked', { count: series.appointments.length, date: date(series.appointments[0].startsAt, { weekday: true }), time: time(series.appointments[0].startsAt) })}
            </Notice>
            <p>
              <Link to="/appointments">{t('nav.appointments')}</Link>
            </p>
          </div>
        ) : booked ? (
          <div className="stack">
            <Notice tone="success">{t('slots.booked', { date: date(booked.startsAt, { weekday: true }), time: time(booked.startsAt) })}</Notice>
            <VideoInfo a={booked} />
            {!booked.payment && (
              <>
                {cfg.data?.paymentRequired && <p>{t('pay.required', { minutes: cfg.data.paymentWindowMinutes })}</p>}
                <PayPanel appointmentId={booked._id} />
              </>
            )}
            <p>
              <Link to="/appointments">{t('nav.appointments')}</Link>
            </p>
          </div>
        ) : !doctor.available ? (
          <p>{t('slots.unavailableDoctor')}</p>
        ) : (
          <>
            <SlotPicker
              docId={docId}
              timeZone={doctor.timeZone}
              day={params.get('day') ?? undefined}
              chosen={at}
              onDay={(day) => setParam({ day, at: undefined })}
              onChoose={(slot) => setParam({ day: slot.slotDate, at: slot.startsAt })}
            />
            <ErrorMessage error={error} />
            {chosen && (
              <div className="stack">
                {modes.length > 1 && (
                  <fieldset className="radio-row">
                    <legend>{t('mode.choose')}</legend>
                    {modes.map((m) => (
                      <label key={m}>
                        <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} /> {t(m === 'video' ? 'mode.video' : 'mode.in_person')}
                      </label>
                    ))}
                  </fieldset>
                )}
                <p aria-live="polite">
                  <strong>{t('slots.chosen', { date: date(chosen.startsAt, { timeZone: doctor.timeZone, weekday: true }), time: time(chosen.startsAt, doctor.timeZone) })}</strong>
                </p>
                {patient && <RepeatSelect value={repeat} onChange={setRepeat} />}
                {patient && repeat !== 'once' ? (
                  <SeriesPanel
                    key={`${chosen.startsAt}-${repeat}-${mode}`}
                    party={{ role: 'patient', docId }}
                    cadence={repeat}
                    first={chosen}
                    mode={mode}
                    timeZone={doctor.timeZone}
                    onBooked={(booked) => {
                      setSeries(booked);
                      setParam({ at: undefined });
                    }}
                  />
                ) : (
                  <div>
                    <Button onClick={book} busy={busy}>
                      {patient ? t('slots.confirm') : t('slots.loginToBook')}
                    </Button>
                  </div>
                )}
              </div>
            )}
            <WaitlistJoin docId={docId} today={localDay(new Date(now), doctor.timeZone)} />
          </>
        )}
      </section>
      <DoctorReviews docId={docId} />
    </article>
  );
}
