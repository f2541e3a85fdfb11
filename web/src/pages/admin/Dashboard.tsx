// The admin dashboard: platform counts and revenue, then charts from the reports API for the last 30
// days: bookings over time by status, revenue over time, appointments by status and by speciality.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap, unwrapJson } from '../../api/client';
import { ErrorMessage, Spinner } from '../../components/ui';
import { WaitlistDays } from '../../components/WaitlistDays';
import { useI18n } from '../../i18n';
import { useClientConfig } from '../../lib/queries';
import { AppointmentTable } from '../staff/AppointmentTable';
import { PageHead, Stat } from '../staff/AreaNav';
import { BarChart, HBarChart } from '../staff/charts';
import { usePeriodLabel } from '../staff/ReportRange';
import { addDays, localDay, num, STATUSES, text } from '../staff/util';
import { adminKeys } from './queries';

export const STATUS_COLOURS = { pending: '#b45309', confirmed: '#15803d', completed: '#1d4ed8', cancelled: '#b91c1c' } as const;

export default function Dashboard() {
  const { t, money } = useI18n();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const fmt = (n: number) => money(n, currency);
  const to = localDay();
  const query = { from: addDays(to, -29), to, interval: 'day' as const };
  const label = usePeriodLabel('day');
  const dash = useQuery({ queryKey: adminKeys.dashboard, queryFn: async () => unwrap(await api.GET('/api/admin/dashboard')).dashData });
  const waitlist = useQuery({ queryKey: ['admin', 'waitlist'], queryFn: async () => unwrap(await api.GET('/api/admin/waitlist')).days, refetchInterval: 60_000 });
  const bookings = useQuery({ queryKey: ['admin', 'reports', 'appointments', query], queryFn: async () => unwrapJson(await api.GET('/api/admin/reports/appointments', { params: { query } })) });
  const revenue = useQuery({ queryKey: ['admin', 'reports', 'revenue', query], queryFn: async () => unwrapJson(await api.GET('/api/admin/reports/revenue', { params: { query } })) });
  const specialities = useQuery({ queryKey: ['admin', 'reports', 'specialities', query], queryFn: async () => unwrapJson(await api.GET('/api/admin/reports/specialities', { params: { query } })) });

  return (
    <section>
      <PageHead title={t('admin.dash.title')}>
        <Link to="/admin/add-doctor" className="btn btn-primary">
          {t('admin.nav.addDoctor')}
        </Link>
      </PageHead>
      {dash.isPending ? (
        <Spinner />
      ) : dash.isError ? (
        <ErrorMessage error={dash.error} onRetry={() => void dash.refetch()} />
      ) : (
        <dl className="stats">
          <Stat label={t('admin.dash.revenue')} value={fmt(dash.data.totalRevenue)} />
          <Stat label={t('admin.dash.doctors')} value={String(dash.data.totalDoctors)} />
          <Stat label={t('admin.dash.appointments')} value={String(dash.data.totalAppointments)} />
          <Stat label={t('admin.dash.patients')} value={String(dash.data.totalPatients)} />
        </dl>
      )}

      <h2>{t('admin.dash.last30')}</h2>
      <div className="chart-grid">
        {bookings.isPending ? (
          <Spinner />
        ) : bookings.isError ? (
          <ErrorMessage error={bookings.error} onRetry={() => void bookings.refetch()} />
        ) : (
          <BarChart
            title={t('admin.dash.bookingsChart')}
            stacked
            labels={bookings.data.rows.map((r) => label(text(r, 'period')))}
            series={STATUSES.map((s) => ({ key: s, label: t(`appt.status.${s}`), colour: STATUS_COLOURS[s] }))}
            values={STATUSES.map((s) => bookings.data.rows.map((r) => num(r, s)))}
          />
        )}
        {revenue.isPending ? (
          <Spinner />
        ) : revenue.isError ? (
          <ErrorMessage error={revenue.error} onRetry={() => void revenue.refetch()} />
        ) : (
          <BarChart
            title={t('admin.dash.revenueChart')}
            labels={revenue.data.rows.map((r) => label(text(r, 'period')))}
            series={[{ key: 'net', label: t('admin.reports.net'), colour: '#3f4ad8' }]}
            values={[revenue.data.rows.map((r) => num(r, 'net'))]}
            format={fmt}
          />
        )}
        {dash.data && (
          <HBarChart
            title={t('admin.dash.byStatus')}
            labels={STATUSES.map((s) => t(`appt.status.${s}`))}
            values={[dash.data.pendingAppointments, dash.data.confirmedAppointments, dash.data.completedAppointments, dash.data.cancelledAppointments]}
          />
        )}
        {specialities.isPending ? (
          <Spinner />
        ) : specialities.isError ? (
          <ErrorMessage error={specialities.error} onRetry={() => void specialities.refetch()} />
        ) : (
          <HBarChart
            title={t('admin.dash.bySpeciality')}
            labels={specialities.data.rows.map((r) => text(r, 'speciality'))}
            values={specialities.data.rows.map((r) => num(r, 'appointments'))}
            colour="#0f766e"
          />
        )}
      </div>

      <h2>{t('waitlist.days.title')}</h2>
      {waitlist.isPending ? <Spinner /> : waitlist.isError ? <ErrorMessage error={waitlist.error} onRetry={() => void waitlist.refetch()} /> : <WaitlistDays days={waitlist.data} />}

      <h2>{t('admin.dash.latest')}</h2>
      {dash.data && <AppointmentTable caption={t('admin.dash.latest')} appointments={dash.data.latestAppointments} showDoctor />}
      <p>
        <Link to="/admin/appointments">{t('admin.dash.allAppointments')}</Link>
      </p>
    </section>
  );
}
