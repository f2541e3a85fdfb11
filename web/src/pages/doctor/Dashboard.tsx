// The doctor's dashboard: earnings, appointment and patient counts, today's agenda (in the doctor's
// time zone), the latest bookings, all kept current by the live stream: a booking, payment, move or
// cancellation anywhere refreshes the page and is announced to screen readers.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorMessage, Notice, Spinner } from '../../components/ui';
import { WaitlistDays } from '../../components/WaitlistDays';
import { useI18n } from '../../i18n';
import { live } from '../../lib/live';
import { useClientConfig } from '../../lib/queries';
import { AppointmentTable } from '../staff/AppointmentTable';
import { PageHead, Stat } from '../staff/AreaNav';
import { localDay } from '../staff/util';
import { DoctorActions } from './Actions';
import { SeriesForPatient } from './SeriesForPatient';
import { doctorKeys, useDoctorAppointments, type DoctorProfile } from './queries';

/** Subscribes to the live stream: refreshes the doctor's data and returns the last event's text. */
export function useLiveDoctor(): { connected: boolean; announcement: string } {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [connected, setConnected] = useState(live.connected);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    const offState = live.onState(setConnected);
    const off = live.subscribe((e) => {
      void qc.invalidateQueries({ queryKey: doctorKeys.all });
      const key = `doctor.live.${e.type}` as const;
      setAnnouncement(t(key in LIVE_KEYS ? (key as LiveKey) : 'doctor.live.updated'));
    });
    return () => {
      off();
      offState();
    };
  }, [qc, t]);
  return { connected, announcement };
}

const LIVE_KEYS = {
  'doctor.live.booked': 1,
  'doctor.live.confirmed': 1,
  'doctor.live.rescheduled': 1,
  'doctor.live.cancelled': 1,
  'doctor.live.completed': 1,
  'doctor.live.expired': 1,
} as const;
type LiveKey = keyof typeof LIVE_KEYS;

export function LiveStatus({ connected, announcement }: { connected: boolean; announcement: string }) {
  const { t } = useI18n();
  return (
    <>
      <p className={`live-status ${connected ? 'on' : 'off'}`}>
        <span className="dot" aria-hidden="true" />
        {connected ? t('staff.live.on') : t('staff.live.off')}
      </p>
      <p className="live-announce" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </p>
    </>
  );
}

export default function Dashboard({ profile }: { profile: DoctorProfile }) {
  const { t, money, date } = useI18n();
  const liveState = useLiveDoctor();
  const config = useClientConfig();
  const currency = config.data?.currency ?? 'INR';
  const [message, setMessage] = useState('');
  const dash = useQuery({ queryKey: doctorKeys.dashboard, queryFn: async () => unwrap(await api.GET('/api/doctor/dashboard')).dashData });
  // joins announce nothing live: refreshed every minute, and by any live event of the doctor's
  const waitlist = useQuery({ queryKey: [...doctorKeys.all, 'waitlist'], queryFn: async () => unwrap(await api.GET('/api/doctor/waitlist')).days, refetchInterval: 60_000 });
  const today = localDay(new Date(), profile.timeZone);
  const agenda = useDoctorAppointments({ from: today, to: today, sort: 'startsAt', page: 1, limit: 100 });
  const zoneOf = () => profile.timeZone;
  const live = agenda.data?.appointments.filter((a) => a.status !== 'cancelled') ?? [];

  return (
    <section>
      <PageHead title={t('doctor.dash.title', { name: profile.name })}>
        <LiveStatus {...liveState} />
      </PageHead>
      {message && <Notice tone="success">{message}</Notice>}
      {dash.isPending ? (
        <Spinner />
      ) : dash.isError ? (
        <ErrorMessage error={dash.error} onRetry={() => void dash.refetch()} />
      ) : (
        <dl className="stats">
          <Stat label={t('doctor.dash.earnings')} value={money(dash.data.earnings, currency)} />
          <Stat label={t('doctor.dash.appointments')} value={String(dash.data.appointments)} />
          <Stat label={t('doctor.dash.patients')} value={String(dash.data.patients)} />
        </dl>
      )}

      <h2>{t('doctor.dash.today', { date: date(new Date(), { timeZone: profile.timeZone, weekday: true }) })}</h2>
      {agenda.isPending ? (
        <Spinner />
      ) : agenda.isError ? (
        <ErrorMessage error={agenda.error} onRetry={() => void agenda.refetch()} />
      ) : live.length === 0 ? (
        <p className="muted">{t('doctor.dash.noneToday')}</p>
      ) : (
        <AppointmentTable caption={t('doctor.dash.todayCaption')} appointments={live} zoneOf={zoneOf} videoRefetchKey={doctorKeys.all} actions={(a) => <DoctorActions appointment={a} onDone={setMessage} />} />
      )}

      <h2>{t('waitlist.days.title')}</h2>
      {waitlist.isPending ? <Spinner /> : waitlist.isError ? <ErrorMessage error={waitlist.error} onRetry={() => void waitlist.refetch()} /> : <WaitlistDays days={waitlist.data} />}

      <h2>{t('doctor.dash.latest')}</h2>
      {dash.data && (
        <AppointmentTable
          caption={t('doctor.dash.latest')}
          appointments={dash.data.latestAppointments}
          zoneOf={zoneOf}
          videoRefetchKey={doctorKeys.all}
          actions={(a) => <DoctorActions appointment={a} onDone={setMessage} />}
        />
      )}
      <p>
        <Link to="/doctor/appointments">{t('doctor.dash.all')}</Link>
      </p>
      <SeriesForPatient profile={profile} onDone={setMessage} />
    </section>
  );
}
