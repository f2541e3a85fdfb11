// Range and bucket size of a report (from, to, interval), kept in the URL, plus the CSV download
// button every report page uses.
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { download } from '../../api/client';
import { Button, ErrorMessage, Field, Select } from '../../components/ui';
import { useI18n } from '../../i18n';
import { addDays, localDay, validDay, type Interval } from './util';

export interface Range {
  from: string;
  to: string;
  interval: Interval;
}

export function useRange(defaults: { days: number; interval: Interval }): Range {
  const [params] = useSearchParams();
  const to = validDay(params.get('to')) ?? localDay();
  const from = validDay(params.get('from')) ?? addDays(to, -(defaults.days - 1));
  const i = params.get('interval');
  return { from, to, interval: i === 'day' || i === 'week' || i === 'month' ? i : defaults.interval };
}

export function RangeForm({ range }: { range: Range }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [interval, setStep] = useState<Interval>(range.interval);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams(params);
    next.set('from', from);
    next.set('to', to);
    next.set('interval', interval);
    setParams(next);
  };
  return (
    <form className="filter-bar" onSubmit={apply} aria-label={t('staff.range.label')}>
      <Field label={t('staff.filters.from')} type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} required />
      <Field label={t('staff.filters.to')} type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} required />
      <Select
        label={t('staff.range.interval')}
        value={interval}
        onChange={(e) => setStep(e.target.value as Interval)}
        options={(['day', 'week', 'month'] as const).map((v) => ({ value: v, label: t(`staff.range.${v}`) }))}
      />
      <div className="row filter-actions">
        <Button type="submit">{t('staff.filters.apply')}</Button>
      </div>
    </form>
  );
}

/** Downloads the CSV form of a report (`?format=csv`) with the access token, as a file. */
export function CsvButton({ path, query, filename, label }: { path: string; query: Record<string, string>; filename: string; label?: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <span className="csv">
      <Button
        variant="secondary"
        busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await download(`${path}?${new URLSearchParams({ ...query, format: 'csv' })}`, filename);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {label ?? t('staff.csv')}
      </Button>
      <ErrorMessage error={error} />
    </span>
  );
}

/** A short label for a report bucket (its first day) in the reader's language. */
export function usePeriodLabel(interval: Interval) {
  const { locale } = useI18n();
  return (day: string) => {
    const d = new Date(`${day.slice(0, 10)}T12:00:00Z`);
    if (Number.isNaN(d.getTime())) return day;
    return new Intl.DateTimeFormat(locale, interval === 'month' ? { month: 'short', year: 'numeric', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(d);
  };
}
