// Working hours, breaks, slot settings and time off. A day may have several intervals: the gap between
// two of them is a break (09:00–13:00 and 14:00–18:00 leaves lunch free). Times are the doctor's
// local times in their own time zone; the server turns them into bookable slots.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Field, Notice, Select, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { PageHead } from '../staff/AreaNav';
import { zonedInstant } from '../staff/util';
import { doctorKeys, type Schedule as ScheduleData } from './queries';

type Hours = ScheduleData['workingHours'];
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0];

function useWeekdayName() {
  const { locale } = useI18n();
  // 2024-01-07 was a Sunday: weekday w is that day + w
  return (w: number) => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 7 + w)));
}

export default function Schedule() {
  const { t } = useI18n();
  const q = useQuery({ queryKey: doctorKeys.schedule, queryFn: async () => unwrap(await api.GET('/api/doctor/schedule')).schedule });
  return (
    <section>
      <PageHead title={t('doctor.schedule.title')} />
      {q.isPending ? (
        <Spinner />
      ) : q.isError ? (
        <ErrorMessage error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <div className="stack">
          <p className="muted">{t('doctor.schedule.zone', { zone: q.data.timeZone })}</p>
          <HoursEditor key={JSON.stringify(q.data.workingHours)} initial={q.data.workingHours} />
          <Settings schedule={q.data} />
          <TimeOff schedule={q.data} />
        </div>
      )}
    </section>
  );
}

function HoursEditor({ initial }: { initial: Hours }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const dayName = useWeekdayName();
  const [rows, setRows] = useState<Hours>(() => [...initial].sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start)));
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: async (workingHours: Hours) => unwrap(await api.PUT('/api/doctor/schedule/hours', { body: { workingHours } })).schedule,
    onSuccess: (schedule) => {
      qc.setQueryData(doctorKeys.schedule, schedule);
      setSaved(true);
    },
  });
  const update = (i: number, patch: Partial<Hours[number]>) => {
    setSaved(false);
    setRows((r) => r.map((row, k) => (k === i ? { ...row, ...patch } : row)));
  };
  const invalid = rows.findIndex((r) => !(r.start < r.end));

  return (
    <form
      className="card stack"
      aria-labelledby="hours-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (invalid < 0) save.mutate(rows);
      }}
    >
      <h2 id="hours-title">{t('doctor.schedule.hours')}</h2>
      <p className="muted">{t('doctor.schedule.hoursHelp')}</p>
      <ErrorMessage error={save.error} />
      {saved && <Notice tone="success">{t('doctor.schedule.saved')}</Notice>}
      {rows.length === 0 && <p className="muted">{t('doctor.schedule.noHours')}</p>}
      <ul className="hours-list">
        {rows.map((r, i) => (
          <li key={i} className="hours-row">
            <Select
              label={t('doctor.schedule.weekday')}
              value={String(r.weekday)}
              onChange={(e) => update(i, { weekday: Number(e.target.value) })}
              options={WEEKDAYS.map((w) => ({ value: String(w), label: dayName(w) }))}
            />
            <Field label={t('doctor.schedule.start')} type="time" value={r.start} onChange={(e) => update(i, { start: e.target.value })} required />
            <Field
              label={t('doctor.schedule.end')}
              type="time"
              value={r.end}
              onChange={(e) => update(i, { end: e.target.value })}
              error={i === invalid ? t('doctor.schedule.endAfterStart') : undefined}
              required
            />
            <Button variant="link" onClick={() => setRows((rs) => rs.filter((_, k) => k !== i))} aria-label={t('doctor.schedule.removeRow', { day: dayName(r.weekday), start: r.start, end: r.end })}>
              {t('doctor.schedule.remove')}
            </Button>
          </li>
        ))}
      </ul>
      <div className="row">
        <Button
          variant="secondary"
          onClick={() => {
            setSaved(false);
            const last = rows[rows.length - 1];
            setRows((rs) => [...rs, last ? { weekday: last.weekday, start: last.end < '23:00' ? last.end : '09:00', end: last.end < '22:00' ? '18:00' : '23:59' } : { weekday: 1, start: '09:00', end: '17:00' }]);
          }}
        >
          {t('doctor.schedule.addRow')}
        </Button>
        <Button type="submit" busy={save.isPending} disabled={invalid >= 0}>
          {t('doctor.schedule.saveHours')}
        </Button>
      </div>
    </form>
  );
}

function Settings({ schedule }: { schedule: ScheduleData }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [slotMinutes, setSlot] = useState(String(schedule.slotMinutes));
  const [slotIntervalMinutes, setStep] = useState(String(schedule.slotIntervalMinutes));
  const [bufferMinutes, setBuffer] = useState(String(schedule.bufferMinutes));
  const [timeZone, setZone] = useState(schedule.timeZone);
  const [saved, setSaved] = useState(false);
  const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH('/api/doctor/schedule/settings', {
          body: { slotMinutes: Number(slotMinutes), slotIntervalMinutes: Number(slotIntervalMinutes), bufferMinutes: Number(bufferMinutes), timeZone: timeZone.trim() },
        }),
      ).schedule,
    onSuccess: async (s) => {
      qc.setQueryData(doctorKeys.schedule, s);
      await qc.invalidateQueries({ queryKey: doctorKeys.profile });
      setSaved(true);
    },
  });
  return (
    <form
      className="card stack"
      aria-labelledby="settings-title"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        save.mutate();
      }}
    >
      <h2 id="settings-title">{t('doctor.schedule.settings')}</h2>
      <ErrorMessage error={save.error} />
      {saved && <Notice tone="success">{t('doctor.schedule.saved')}</Notice>}
      <div className="grid-2">
        <Field label={t('doctor.schedule.slotMinutes')} type="number" min={5} max={480} value={slotMinutes} onChange={(e) => setSlot(e.target.value)} required />
        <Field
          label={t('doctor.schedule.intervalMinutes')}
          hint={t('doctor.schedule.intervalHelp')}
          type="number"
          min={5}
          max={480}
          value={slotIntervalMinutes}
          onChange={(e) => setStep(e.target.value)}
          required
        />
        <Field label={t('doctor.schedule.bufferMinutes')} hint={t('doctor.schedule.bufferHelp')} type="number" min={0} max={240} value={bufferMinutes} onChange={(e) => setBuffer(e.target.value)} required />
        <Field label={t('doctor.schedule.timeZone')} list="tz-list" value={timeZone} onChange={(e) => setZone(e.target.value)} maxLength={64} required />
        <datalist id="tz-list">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
      <div>
        <Button type="submit" busy={save.isPending}>
          {t('app.save')}
        </Button>
      </div>
    </form>
  );
}

function TimeOff({ schedule }: { schedule: ScheduleData }) {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const [mode, setMode] = useState<'days' | 'hours'>('days');
  const [fromDate, setFrom] = useState('');
  const [toDate, setTo] = useState('');
  const [day, setDay] = useState('');
  const [start, setStart] = useState('13:00');
  const [end, setEnd] = useState('14:00');
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState(false);
  const tz = schedule.timeZone;
  const add = useMutation({
    mutationFn: async () => {
      const extra = reason.trim() ? { reason: reason.trim() } : {};
      const body =
        mode === 'days'
          ? { fromDate, toDate: toDate || fromDate, ...extra }
          : { startsAt: zonedInstant(day, start, tz).toISOString(), endsAt: zonedInstant(day, end, tz).toISOString(), ...extra };
      return unwrap(await api.POST('/api/doctor/schedule/time-off', { body }));
    },
    onSuccess: async () => {
      setSaved(true);
      setReason('');
      await qc.invalidateQueries({ queryKey: doctorKeys.schedule });
    },
  });
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE('/api/doctor/schedule/time-off/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: doctorKeys.schedule }),
  });
  const ready = mode === 'days' ? Boolean(fromDate) : Boolean(day && start && end && start < end);

  return (
    <div className="card stack">
      <h2>{t('doctor.schedule.timeOff')}</h2>
      <ErrorMessage error={remove.error} />
      {schedule.timeOff.length === 0 ? (
        <p className="muted">{t('doctor.schedule.noTimeOff')}</p>
      ) : (
        <ul className="plain-list">
          {schedule.timeOff.map((o) => (
            <li key={o.id} className="row between">
              <span>
                {t('doctor.schedule.offRange', {
                  from: `${date(o.startsAt, { timeZone: tz, weekday: true })} ${time(o.startsAt, tz)}`,
                  to: `${date(o.endsAt, { timeZone: tz, weekday: true })} ${time(o.endsAt, tz)}`,
                })}
                {o.reason && <span className="muted"> · {o.reason}</span>}
              </span>
              <Button variant="link" busy={remove.isPending && remove.variables === o.id} onClick={() => remove.mutate(o.id)}>
                {t('doctor.schedule.remove')}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="stack"
        aria-labelledby="timeoff-add"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          if (ready) add.mutate();
        }}
      >
        <h3 id="timeoff-add" className="h3">
          {t('doctor.schedule.addTimeOff')}
        </h3>
        <ErrorMessage error={add.error} />
        {saved && <Notice tone="success">{t('doctor.schedule.timeOffAdded')}</Notice>}
        <fieldset className="radio-row">
          <legend>{t('doctor.schedule.offKind')}</legend>
          <label>
            <input type="radio" name="off-kind" checked={mode === 'days'} onChange={() => setMode('days')} /> {t('doctor.schedule.offDays')}
          </label>
          <label>
            <input type="radio" name="off-kind" checked={mode === 'hours'} onChange={() => setMode('hours')} /> {t('doctor.schedule.offHours')}
          </label>
        </fieldset>
        {mode === 'days' ? (
          <div className="grid-2">
            <Field label={t('staff.filters.from')} type="date" value={fromDate} onChange={(e) => setFrom(e.target.value)} required />
            <Field label={t('staff.filters.to')} hint={t('doctor.schedule.toHelp')} type="date" value={toDate} min={fromDate || undefined} onChange={(e) => setTo(e.target.value)} />
          </div>
        ) : (
          <div className="grid-3">
            <Field label={t('doctor.schedule.day')} type="date" value={day} onChange={(e) => setDay(e.target.value)} required />
            <Field label={t('doctor.schedule.start')} type="time" value={start} onChange={(e) => setStart(e.target.value)} required />
            <Field label={t('doctor.schedule.end')} type="time" value={end} onChange={(e) => setEnd(e.target.value)} required />
          </div>
        )}
        <Field label={t('doctor.schedule.reason')} value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} />
        <div>
          <Button type="submit" busy={add.isPending} disabled={!ready}>
            {t('doctor.schedule.addTimeOff')}
          </Button>
        </div>
      </form>
    </div>
  );
}
