// Reports: choose one, its range and bucket size (all in the URL), see it as a chart and a table, and
// download the same rows as CSV from the server.
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, unwrapJson } from '../../api/client';
import { ErrorMessage, Select, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useClientConfig } from '../../lib/queries';
import { PageHead } from '../staff/AreaNav';
import { BarChart, HBarChart } from '../staff/charts';
import { CsvButton, RangeForm, usePeriodLabel, useRange } from '../staff/ReportRange';
import { num, text, type Report } from '../staff/util';
import { STATUS_COLOURS } from './Dashboard';

const REPORTS = ['revenue', 'appointments', 'specialities', 'utilization', 'registrations', 'cancellations'] as const;
type ReportName = (typeof REPORTS)[number];
type GroupBy = 'period' | 'doctor' | 'speciality';
const MONEY = new Set(['gross', 'refunds', 'net']);
const PERCENT = new Set(['utilization', 'share', 'cancellationRate', 'noShowRate']);

async function fetchReport(name: ReportName, query: { from: string; to: string; interval: 'day' | 'week' | 'month' }, groupBy: GroupBy): Promise<Report> {
  const params = { query };
  switch (name) {
    case 'revenue':
      return unwrapJson(await api.GET('/api/admin/reports/revenue', { params: { query: { ...query, groupBy } } }));
    case 'appointments':
      return unwrapJson(await api.GET('/api/admin/reports/appointments', { params }));
    case 'specialities':
      return unwrapJson(await api.GET('/api/admin/reports/specialities', { params }));
    case 'utilization':
      return unwrapJson(await api.GET('/api/admin/reports/utilization', { params }));
    case 'registrations':
      return unwrapJson(await api.GET('/api/admin/reports/registrations', { params }));
    case 'cancellations':
      return unwrapJson(await api.GET('/api/admin/reports/cancellations', { params }));
  }
}

export default function Reports() {
  const { t, money, locale, date } = useI18n();
  const currency = useClientConfig().data?.currency ?? 'INR';
  const [params, setParams] = useSearchParams();
  const name: ReportName = REPORTS.find((r) => r === params.get('report')) ?? 'revenue';
  const groupBy: GroupBy = (['period', 'doctor', 'speciality'] as const).find((g) => g === params.get('groupBy')) ?? 'period';
  const range = useRange({ days: 30, interval: 'day' });
  const label = usePeriodLabel(range.interval);
  const query = { from: range.from, to: range.to, interval: range.interval };
  const report = useQuery({ queryKey: ['admin', 'reports', name, query, groupBy], queryFn: () => fetchReport(name, query, groupBy) });
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    setParams(next);
  };
  const cell = (col: string, v: string | number | boolean | null | undefined) => {
    if (v === null || v === undefined) return '';
    if (MONEY.has(col)) return money(Number(v), currency);
    if (PERCENT.has(col)) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(Number(v))} %`;
    if (col === 'period') return date(`${String(v).slice(0, 10)}T12:00:00Z`, { timeZone: 'UTC' });
    if (typeof v === 'number') return new Intl.NumberFormat(locale).format(v);
    return String(v);
  };
  const columnLabel = (c: string) => {
    const key = `admin.col.${c}` as MessageKey;
    const s = t(key);
    return s === key ? c : s;
  };

  return (
    <section>
      <PageHead title={t('admin.reports.title')} />
      <div className="filter-bar">
        <Select
          label={t('admin.reports.which')}
          value={name}
          onChange={(e) => setParam('report', e.target.value)}
          options={REPORTS.map((r) => ({ value: r, label: t(`admin.reports.${r}`) }))}
        />
        {name === 'revenue' && (
          <Select
            label={t('admin.reports.groupBy')}
            value={groupBy}
            onChange={(e) => setParam('groupBy', e.target.value)}
            options={(['period', 'doctor', 'speciality'] as const).map((g) => ({ value: g, label: t(`admin.reports.by.${g}`) }))}
          />
        )}
      </div>
      <RangeForm key={`${range.from}${range.to}${range.interval}`} range={range} />
      {report.isPending ? (
        <Spinner />
      ) : report.isError ? (
        <ErrorMessage error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <ReportChart name={name} groupBy={groupBy} report={report.data} label={label} fmtMoney={(n) => money(n, currency)} />
          <CsvButton
            path={`/api/admin/reports/${name}`}
            query={{ ...query, ...(name === 'revenue' ? { groupBy } : {}) }}
            filename={`${name}-${range.from}-${range.to}.csv`}
            label={t('admin.reports.csv', { report: t(`admin.reports.${name}`) })}
          />
          {report.data.rows.length === 0 ? (
            <p className="muted">{t('staff.chart.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table className="data-table">
                <caption>{t(`admin.reports.${name}`)}</caption>
                <thead>
                  <tr>
                    {report.data.columns
                      .filter((c) => !/Id$/.test(c))
                      .map((c) => (
                        <th scope="col" key={c}>
                          {columnLabel(c)}
                        </th>
                      ))}
                  </tr>
                </thead>
                <tbody>
                  {report.data.rows.map((r, i) => (
                    <tr key={i}>
                      {report.data.columns
                        .filter((c) => !/Id$/.test(c))
                        .map((c) => (
                          <td key={c}>{cell(c, r[c])}</td>
                        ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function ReportChart({ name, groupBy, report, label, fmtMoney }: { name: ReportName; groupBy: GroupBy; report: Report; label: (d: string) => string; fmtMoney: (n: number) => string }) {
  const { t } = useI18n();
  const rows = report.rows;
  const title = t(`admin.reports.${name}`);
  const periods = rows.map((r) => label(text(r, 'period')));
  switch (name) {
    case 'revenue':
      return groupBy === 'period' ? (
        <BarChart
          title={title}
          labels={periods}
          series={[
            { key: 'gross', label: t('admin.col.gross'), colour: '#3f4ad8' },
            { key: 'refunds', label: t('admin.col.refunds'), colour: '#b91c1c' },
          ]}
          values={[rows.map((r) => num(r, 'gross')), rows.map((r) => num(r, 'refunds'))]}
          format={fmtMoney}
        />
      ) : (
        <HBarChart title={title} labels={rows.map((r) => text(r, groupBy === 'doctor' ? 'name' : 'speciality'))} values={rows.map((r) => num(r, 'net'))} format={fmtMoney} />
      );
    case 'appointments':
      return (
        <BarChart
          title={title}
          stacked
          labels={periods}
          series={(['pending', 'confirmed', 'completed', 'cancelled'] as const).map((s) => ({ key: s, label: t(`appt.status.${s}`), colour: STATUS_COLOURS[s] }))}
          values={(['pending', 'confirmed', 'completed', 'cancelled'] as const).map((s) => rows.map((r) => num(r, s)))}
        />
      );
    case 'specialities':
      return <HBarChart title={title} labels={rows.map((r) => text(r, 'speciality'))} values={rows.map((r) => num(r, 'appointments'))} colour="#0f766e" />;
    case 'utilization':
      return <HBarChart title={title} labels={rows.map((r) => text(r, 'name'))} values={rows.map((r) => num(r, 'utilization'))} format={(n) => `${n.toFixed(1)} %`} />;
    case 'registrations':
      return (
        <BarChart
          title={title}
          labels={periods}
          series={[
            { key: 'patients', label: t('admin.col.patients'), colour: '#3f4ad8' },
            { key: 'doctors', label: t('admin.col.doctors'), colour: '#0f766e' },
          ]}
          values={[rows.map((r) => num(r, 'patients')), rows.map((r) => num(r, 'doctors'))]}
        />
      );
    case 'cancellations':
      return (
        <BarChart
          title={title}
          labels={periods}
          series={[
            { key: 'cancelled', label: t('admin.col.cancelled'), colour: '#b91c1c' },
            { key: 'noShows', label: t('admin.col.noShows'), colour: '#b45309' },
          ]}
          values={[rows.map((r) => num(r, 'cancelled')), rows.map((r) => num(r, 'noShows'))]}
        />
      );
  }
}
