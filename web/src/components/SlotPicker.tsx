// The doctor's real free times from GET /api/doctor/{docId}/slots for the coming days, grouped by
// day in the doctor's time zone; the patient's own time is shown beside each when their zone differs.
// The chosen day and time are controlled by the parent (which keeps them in the URL).
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { addDaysYmd, browserZone, ymdInZone, zonesDiffer } from '../lib/dates';
import { ErrorMessage, Spinner } from './ui';

export interface Slot {
  slotDate: string;
  slotTime: string;
  startsAt: string;
  endsAt: string;
}

const DAYS = 14;

export function useSlots(docId: string, timeZone: string) {
  return useQuery({
    queryKey: ['slots', docId],
    staleTime: 15_000,
    queryFn: async () => {
      const from = ymdInZone(new Date(), timeZone);
      const res = unwrap(await api.GET('/api/doctor/{docId}/slots', { params: { path: { docId }, query: { from, to: addDaysYmd(from, DAYS - 1) } } }));
      return res.slots as Slot[];
    },
  });
}

export function SlotPicker({
  docId,
  timeZone,
  day,
  chosen,
  onDay,
  onChoose,
}: {
  docId: string;
  timeZone: string;
  day?: string;
  chosen?: string;
  onDay(day: string): void;
  onChoose(slot: Slot): void;
}) {
  const { t, date, time } = useI18n();
  const slots = useSlots(docId, timeZone);
  const mine = browserZone();
  const differ = zonesDiffer(timeZone, mine);
  const byDay = useMemo(() => {
    const m = new Map<string, Slot[]>();
    for (const s of slots.data ?? []) m.set(s.slotDate, [...(m.get(s.slotDate) ?? []), s]);
    return m;
  }, [slots.data]);

  if (slots.isPending) return <Spinner />;
  if (slots.error) return <ErrorMessage error={slots.error} onRetry={() => void slots.refetch()} />;
  const days = [...byDay.keys()].sort();
  if (days.length === 0) return <p>{t('slots.noneAtAll')}</p>;
  const current = day && byDay.has(day) ? day : days[0];
  const dayLabel = (ymd: string) => date(`${ymd}T12:00:00Z`, { timeZone: 'UTC', weekday: true });

  return (
    <div className="stack">
      <p className="muted">
        {t('slots.zone', { zone: timeZone })}
        {differ && ` ${t('slots.yourZone', { zone: mine, time: time(new Date(), mine) })}`}
      </p>
      <div role="group" aria-label={t('slots.day')}>
        <ul className="days">
          {days.map((d) => (
            <li key={d}>
              <button type="button" className="btn btn-secondary" aria-pressed={d === current} onClick={() => onDay(d)}>
                {dayLabel(d)}
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div role="group" aria-label={dayLabel(current)}>
        <ul className="slots">
          {(byDay.get(current) ?? []).map((s) => (
            <li key={s.startsAt}>
              <button type="button" className="btn btn-secondary" aria-pressed={s.startsAt === chosen} onClick={() => onChoose(s)}>
                <span>
                  {time(s.startsAt, timeZone)}
                  {differ && <small>{t('slots.yourZoneShort', { time: time(s.startsAt, mine) })}</small>}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
