// The doctor's reports: appointments and earnings per period (chart and table), and the patients seen
// in the range; both downloadable as CSV.
import { useQuery } from '@tanstack/react-query';
import { api, unwrapJson } from '../../api/client';
import { ErrorMessage, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useClientConfig } from '../../lib/queries';
import { PageHead } from '../staff/AreaNav';
import { BarChart } from '../staff/charts';
import { CsvButton, RangeForm, usePeriodLabel, useRange } from '../staff/ReportRange';
import { num, text } from '../staff/util';
import type { DoctorProfile } from './queries';

export default function Reports({ profile }: { profile: DoctorProfile }) {
  const { t, money, date } = useI18n();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const range = useRange({ days: 180, interval: 'month' });
  const label = usePeriodLabel(range.interval);
  const query = { from: range.from, to: range.to, interval: range.interval, tz: profile.timeZone };
  const earnings = useQuery({ queryKey: ['doctor', 'reports', 'earnings', query], queryFn: async () => unwrapJson(await api.GET('/api/doctor/reports/earnings', { params: { query } })) });
  const patients = useQuery({ queryKey: ['doctor', 'reports', 'patients', query], queryFn: async () => unwrapJson(await api.GET('/api/doctor/reports/patients', { params: { query } })) });
  const rows = earnings.data?.rows ?? [];
  const fmt = (n: number) => money(n, currency);

  return (
    <section>
      <PageHead title={t('doctor.reports.title')} />
      <RangeForm key={`${range.from}${range.to}${range.interval}`} range={range} />
      <h2>{t('doctor.reports.earnings')}</h2>
      {earnings.isPending ? (
        <Spinner />
      ) : earnings.isError ? (
        <ErrorMessage error={earnings.error} onRetry={() => void earnings.refetch()} />
      ) : (
        <div className="chart-grid">
          <BarChart
            title={t('doctor.reports.earningsChart')}
            labels={rows.map((r) => label(text(r, 'period')))}
            series={[{ key: 'earnings', label: t('doctor.reports.earnings'), colour: '#3f4ad8' }]}
            values={[rows.map((r) => num(r, 'earnings'))]}
            format={fmt}
          />
          <BarChart
            title={t('doctor.reports.appointmentsChart')}
            labels={rows.map((r) => label(text(r, 'period')))}
            series={[
              { key: 'appointments', label: t('doctor.reports.booked'), colour: '#0f766e' },
              { key: 'completed', label: t('appt.status.completed'), colour: '#7c3aed' },
            ]}
            values={[rows.map((r) => num(r, 'appointments')), rows.map((r) => num(r, 'completed'))]}
          />
        </div>
      )}
      <CsvButton path="/api/doctor/reports/earnings" query={query} filename={`earnings-${range.from}-${range.to}.csv`} label={t('doctor.reports.csvEarnings')} />

      <h2>{t('doctor.reports.patients')}</h2>
      {patients.isPending ? (
        <Spinner />
      ) : patients.isError ? (
        <ErrorMessage error={patients.error} onRetry={() => void patients.refetch()} />
      ) : patients.data.rows.length === 0 ? (
        <p className="muted">{t('doctor.reports.noPatients')}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">{t('doctor.reports.patients')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('staff.appts.patient')}</th>
                <th scope="col">{t('doctor.reports.visits')}</th>
                <th scope="col">{t('appt.status.completed')}</th>
                <th scope="col">{t('appt.status.cancelled')}</th>
                <th scope="col">{t('doctor.reports.lastVisit')}</th>
                <th scope="col">{t('doctor.reports.billed')}</th>
              </tr>
            </thead>
            <tbody>
              {patients.data.rows.map((r) => (
                <tr key={text(r, 'patientId')}>
                  <th scope="row">{text(r, 'name')}</th>
                  <td>{num(r, 'appointments')}</td>
                  <td>{num(r, 'completed')}</td>
                  <td>{num(r, 'cancelled')}</td>
                  <td>{text(r, 'lastVisit') ? date(text(r, 'lastVisit'), { timeZone: profile.timeZone }) : ''}</td>
                  <td>{fmt(num(r, 'billed'))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CsvButton path="/api/doctor/reports/patients" query={query} filename={`patients-${range.from}-${range.to}.csv`} label={t('doctor.reports.csvPatients')} />
    </section>
  );
}
