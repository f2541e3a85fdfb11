// A doctor's open group sessions, listed beside their free times (GET /api/doctor/{docId}/slots,
// `groupSessions`, asked without a date range: every open session still ahead), each with a "book a place" button for a logged-in patient.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n';
import { Button, ErrorMessage, Notice } from './ui';

export function GroupSessionList({ docId, timeZone }: { docId: string; timeZone: string }) {
  const { t, date, time, money } = useI18n();
  const s = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [booked, setBooked] = useState<string>();
  const sessions = useQuery({
    queryKey: ['slots', docId, 'group-sessions'],
    staleTime: 15_000,
    queryFn: async () => {
      // without a range the answer lists every open session still ahead
      const res = unwrap(await api.GET('/api/doctor/{docId}/slots', { params: { path: { docId } } }));
      return res.groupSessions;
    },
  });
  if (!sessions.data || sessions.data.length === 0) return null;

  const book = async (id: string, title: string) => {
    if (s.status !== 'signed-in' || s.role !== 'patient') {
      navigate('/login', { state: { from: location.pathname + location.search } });
      return;
    }
    setBusy(id);
    setError(undefined);
    setBooked(undefined);
    try {
      unwrap(await api.POST('/api/user/group-sessions/{id}/book', { params: { path: { id } } }));
      setBooked(t('groups.booked', { title }));
      await qc.invalidateQueries({ queryKey: ['patient'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
      await qc.invalidateQueries({ queryKey: ['slots', docId] });
    }
  };

  return (
    <section aria-labelledby="groups-title" className="stack">
      <h2 id="groups-title">{t('groups.title')}</h2>
      {booked && <Notice tone="success">{booked}</Notice>}
      <ErrorMessage error={error} />
      <ul className="appt-list">
        {sessions.data.map((g) => (
          <li key={g._id} className="card appt">
            <h3 className="h3">{g.title}</h3>
            <p>{t('groups.when', { date: date(g.startsAt, { timeZone, weekday: true }), time: time(g.startsAt, timeZone), end: time(g.endsAt, timeZone) })}</p>
            <p>
              {money(g.fee, g.currency)} · {g.placesLeft > 0 ? t('groups.places', { left: g.placesLeft, capacity: g.capacity }) : t('groups.full')}
            </p>
            {g.placesLeft > 0 && (
              <div>
                <Button variant="secondary" busy={busy === g._id} aria-label={t('groups.bookLabel', { title: g.title })} onClick={() => void book(g._id, g.title)}>
                  {t('groups.book')}
                </Button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
