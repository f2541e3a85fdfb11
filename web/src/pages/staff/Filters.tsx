// The filter form above an appointment list: status, date range (and, for the admin, the doctor).
// The values live in the URL (?status=…&from=…&to=…&page=…), so a reload or a shared link shows the
// same list; applying a filter goes back to page 1. The inputs keep what was typed until applied.
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Button, Field, Select } from '../../components/ui';
import { useI18n } from '../../i18n';
import { STATUSES, validDay, validPage, validStatus } from './util';

export function useListParams() {
  const [params] = useSearchParams();
  return {
    page: validPage(params.get('page')),
    status: validStatus(params.get('status')),
    from: validDay(params.get('from')),
    to: validDay(params.get('to')),
    docId: /^[0-9a-f]{24}$/i.test(params.get('docId') ?? '') ? (params.get('docId') as string) : undefined,
  };
}

export function AppointmentFilters({ doctors }: { doctors?: { value: string; label: string }[] }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const current = useListParams();
  const [status, setStatus] = useState<string>(current.status ?? '');
  const [from, setFrom] = useState(current.from ?? '');
  const [to, setTo] = useState(current.to ?? '');
  const [docId, setDocId] = useState(current.docId ?? '');

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (status) next.set('status', status);
    if (from) next.set('from', from);
    if (to) next.set('to', to);
    if (docId) next.set('docId', docId);
    setParams(next);
  };
  const clear = () => {
    setStatus('');
    setFrom('');
    setTo('');
    setDocId('');
    setParams(new URLSearchParams());
  };

  return (
    <form className="filter-bar" onSubmit={apply} aria-label={t('staff.filters.label')}>
      <Select
        label={t('staff.appts.status')}
        name="status"
        value={status}
        onChange={(e) => setStatus(e.target.value)}
        options={[{ value: '', label: t('staff.filters.anyStatus') }, ...STATUSES.map((s) => ({ value: s, label: t(`appt.status.${s}`) }))]}
      />
      {doctors && (
        <Select
          label={t('staff.appts.doctor')}
          name="docId"
          value={docId}
          onChange={(e) => setDocId(e.target.value)}
          options={[{ value: '', label: t('staff.filters.anyDoctor') }, ...doctors]}
        />
      )}
      <Field label={t('staff.filters.from')} type="date" name="from" value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} />
      <Field label={t('staff.filters.to')} type="date" name="to" value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} />
      <div className="row filter-actions">
        <Button type="submit">{t('staff.filters.apply')}</Button>
        {params.toString() !== '' && (
          <Button variant="link" onClick={clear}>
            {t('staff.filters.clear')}
          </Button>
        )}
      </div>
    </form>
  );
}
