// A recurring series from a chosen first time: how often and how many times, the preview of every
// occurrence (free, or why not), and booking the free ones the person keeps ticked, all or nothing.
// The patient books with a doctor (/api/user/series…); the doctor books for one of their patients
// (/api/doctor/series…).
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, type paths } from '../api/client';
import { useI18n } from '../i18n';
import { Button, ErrorMessage, Notice, Select } from './ui';

export type Cadence = 'weekly' | 'biweekly';
type Occurrence = paths['/api/user/series/preview']['post']['responses']['200']['content']['application/json']['occurrences'][number];
export type BookedSeries = paths['/api/user/series']['post']['responses']['201']['content']['application/json']['series'];

export type SeriesParty = { role: 'patient'; docId: string } | { role: 'doctor'; userId: string };

/** The "Repeat" choice beside a chosen time: just once, every week or every 2 weeks. */
export function RepeatSelect({ value, onChange }: { value: Cadence | 'once'; onChange(v: Cadence | 'once'): void }) {
  const { t } = useI18n();
  return (
    <Select
      label={t('series.repeat')}
      value={value}
      onChange={(e) => onChange(e.target.value as Cadence | 'once')}
      options={[
        { value: 'once', label: t('series.once') },
        { value: 'weekly', label: t('series.weekly') },
        { value: 'biweekly', label: t('series.biweekly') },
      ]}
    />
  );
}

export function SeriesPanel({
  party,
  cadence,
  first,
  mode,
  timeZone,
  onBooked,
}: {
  party: SeriesParty;
  cadence: Cadence;
  first: { slotDate: string; slotTime: string };
  mode?: 'in_person' | 'video';
  timeZone: string;
  onBooked(series: BookedSeries): void;
}) {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const [count, setCount] = useState(4);
  const [occurrences, setOccurrences] = useState<Occurrence[]>();
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const request = { slotDate: first.slotDate, slotTime: first.slotTime, cadence, count, ...(mode ? { mode } : {}) };

  const preview = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const res = party.role === 'patient'
        ? unwrap(await api.POST('/api/user/series/preview', { body: { docId: party.docId, ...request } }))
        : unwrap(await api.POST('/api/doctor/series/preview', { body: { userId: party.userId, ...request } }));
      setOccurrences(res.occurrences);
      setPicked(new Set(res.occurrences.filter((o) => o.free).map((o) => o.slotDate)));
    } catch (err) {
      setError(err);
      setOccurrences(undefined);
    } finally {
      setBusy(false);
    }
  };

  const book = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const slotDates = [...picked].sort();
      const res = party.role === 'patient'
        ? unwrap(await api.POST('/api/user/series', { body: { docId: party.docId, ...request, slotDates } }))
        : unwrap(await api.POST('/api/doctor/series', { body: { userId: party.userId, ...request, slotDates } }));
      await qc.invalidateQueries({ queryKey: [party.role] });
      await qc.invalidateQueries({ queryKey: ['slots'] });
      onBooked(res.series);
    } catch (err) {
      setError(err);
      // someone took a date meanwhile: show the dates as they are now
      void preview();
    } finally {
      setBusy(false);
    }
  };

  const toggle = (d: string) => {
    const next = new Set(picked);
    if (next.has(d)) next.delete(d);
    else next.add(d);
    setPicked(next);
  };

  return (
    <div className="stack">
      <Select
        label={t('series.count')}
        value={String(count)}
        onChange={(e) => {
          setCount(Number(e.target.value));
          setOccurrences(undefined);
        }}
        options={Array.from({ length: 11 }, (_, i) => ({ value: String(i + 2), label: String(i + 2) }))}
      />
      <div>
        <Button variant="secondary" onClick={preview} busy={busy && !occurrences}>
          {t('series.preview')}
        </Button>
      </div>
      <ErrorMessage error={error} />
      {occurrences && (
        <fieldset className="stack">
          <legend>{t('series.dates')}</legend>
          <ul className="series-dates">
            {occurrences.map((o) => {
              const when = t('series.when', { date: date(o.startsAt, { timeZone, weekday: true }), time: time(o.startsAt, timeZone) });
              return (
                <li key={o.slotDate} data-free={o.free}>
                  {o.free ? (
                    <label>
                      <input type="checkbox" checked={picked.has(o.slotDate)} onChange={() => toggle(o.slotDate)} /> {when} · {t('series.free')}
                    </label>
                  ) : (
                    <span className="muted">
                      {when} · {t('series.notFree', { reason: o.reason ?? '' })}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
          {picked.size < 2 ? (
            <Notice>{t('series.chooseTwo')}</Notice>
          ) : (
            <div>
              <Button onClick={book} busy={busy}>
                {t('series.book', { count: picked.size })}
              </Button>
            </div>
          )}
        </fieldset>
      )}
    </div>
  );
}
