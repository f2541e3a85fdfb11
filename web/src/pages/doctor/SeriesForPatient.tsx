// The doctor books a recurring series for one of their patients (one who has booked with them
// before): the patient, the first free time from the doctor's own slots, how often and how many
// times, then the preview and the booking of the free dates (components/SeriesPanel).
import { useMemo, useState } from 'react';
import { SeriesPanel, type Cadence } from '../../components/SeriesPanel';
import { SlotPicker, type Slot } from '../../components/SlotPicker';
import { Notice, Select, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useDoctorAppointments, type DoctorProfile } from './queries';

export function SeriesForPatient({ profile, onDone }: { profile: DoctorProfile; onDone(message: string): void }) {
  const { t, date, time } = useI18n();
  const recent = useDoctorAppointments({ sort: '-createdAt', page: 1, limit: 100 });
  const patients = useMemo(() => {
    const m = new Map<string, string>();
    for (const a of recent.data?.appointments ?? []) if (!m.has(a.userId)) m.set(a.userId, a.userData.name);
    return [...m].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label));
  }, [recent.data]);
  const [userId, setUserId] = useState<string>();
  const [day, setDay] = useState<string>();
  const [slot, setSlot] = useState<Slot>();
  const [cadence, setCadence] = useState<Cadence>('weekly');
  const zone = profile.timeZone;
  const chosenPatient = userId ?? patients[0]?.value;

  return (
    <section aria-labelledby="series-title" className="stack">
      <h2 id="series-title">{t('series.doctorTitle')}</h2>
      <p className="muted">{t('series.doctorHint')}</p>
      {recent.isPending ? (
        <Spinner />
      ) : patients.length === 0 ? (
        <p>{t('series.noPatients')}</p>
      ) : (
        <>
          <Select label={t('series.patient')} value={chosenPatient} onChange={(e) => setUserId(e.target.value)} options={patients} />
          <SlotPicker
            docId={profile._id}
            timeZone={zone}
            day={day}
            chosen={slot?.startsAt}
            onDay={(d) => {
              setDay(d);
              setSlot(undefined);
            }}
            onChoose={(s) => {
              setDay(s.slotDate);
              setSlot(s);
            }}
          />
          {slot && chosenPatient && (
            <div className="stack">
              <Notice>{t('slots.chosen', { date: date(slot.startsAt, { timeZone: zone, weekday: true }), time: time(slot.startsAt, zone) })}</Notice>
              <Select
                label={t('series.repeat')}
                value={cadence}
                onChange={(e) => setCadence(e.target.value as Cadence)}
                options={[
                  { value: 'weekly', label: t('series.weekly') },
                  { value: 'biweekly', label: t('series.biweekly') },
                ]}
              />
              <SeriesPanel
                key={`${chosenPatient}-${slot.startsAt}-${cadence}`}
                party={{ role: 'doctor', userId: chosenPatient }}
                cadence={cadence}
                first={slot}
                timeZone={zone}
                onBooked={(series) => {
                  setSlot(undefined);
                  onDone(t('series.booked', { count: series.appointments.length, date: date(series.appointments[0].startsAt, { timeZone: zone, weekday: true }), time: time(series.appointments[0].startsAt, zone) }));
                }}
              />
            </div>
          )}
        </>
      )}
    </section>
  );
}
