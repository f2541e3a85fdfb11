// The patient's waitlist entries: the dates and part of the day waited for, and an offered time
// with its countdown, to accept (a booking) or decline; leaving the waitlist. Kept current by the
// live stream (the header's subscription refreshes every patient query on any event, offers too).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { Button, ErrorMessage, Notice, Spinner, StatusBadge } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useNow } from '../../lib/now';

type Entry = paths['/api/user/waitlist']['get']['responses']['200']['content']['application/json']['entries'][number];
export const waitlistKey = ['patient', 'waitlist'] as const;

function countdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export default function Waitlist() {
  const { t } = useI18n();
  const list = useQuery({ queryKey: waitlistKey, queryFn: async () => unwrap(await api.GET('/api/user/waitlist')).entries });
  const [notice, setNotice] = useState<string>();
  return (
    <section className="stack">
      <h1>{t('waitlist.title')}</h1>
      <p className="muted">{t('waitlist.intro')}</p>
      {notice && <Notice tone="success">{notice}</Notice>}
      {list.isPending && <Spinner />}
      <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      {list.data && list.data.length === 0 && <p>{t('waitlist.none')}</p>}
      {list.data && list.data.length > 0 && (
        <ul className="stack waitlist-list" aria-label={t('waitlist.caption')}>
          {list.data.map((e) => (
            <EntryCard key={e._id} entry={e} onDone={setNotice} />
          ))}
        </ul>
      )}
    </section>
  );
}

function EntryCard({ entry: e, onDone }: { entry: Entry; onDone: (msg: string) => void }) {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const now = useNow(1000);
  const [busy, setBusy] = useState<'accept' | 'decline' | 'leave'>();
  const [error, setError] = useState<unknown>();
  const day = (d: string) => date(`${d}T12:00:00Z`, { timeZone: 'UTC', weekday: true });
  const offer = e.offer;
  const open = e.status === 'waiting' && offer?.status === 'open' && new Date(offer.expiresAt).getTime() > now;

  const act = async (kind: 'accept' | 'decline' | 'leave') => {
    setBusy(kind);
    setError(undefined);
    try {
      const params = { params: { path: { id: e._id } } };
      if (kind === 'accept') unwrap(await api.POST('/api/user/waitlist/{id}/accept', params));
      else if (kind === 'decline') unwrap(await api.POST('/api/user/waitlist/{id}/decline', params));
      else unwrap(await api.DELETE('/api/user/waitlist/{id}', params));
      onDone(t(kind === 'accept' ? 'waitlist.accepted' : kind === 'leave' ? 'waitlist.left' : 'waitlist.offer.declined', offer ? { date: day(offer.slotDate), time: time(offer.startsAt) } : {}));
      await qc.invalidateQueries({ queryKey: ['patient'] });
    } catch (err) {
      setError(err);
      await qc.invalidateQueries({ queryKey: waitlistKey });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <li className="card stack" data-entry={e._id}>
      <h2 className="h3">
        <Link to={`/doctors/${e.docId}`}>{e.doctorName}</Link>
      </h2>
      <p>
        {e.fromDate === e.toDate ? day(e.fromDate) : t('waitlist.window', { from: day(e.fromDate), to: day(e.toDate) })} · {t(`waitlist.part.${e.partOfDay}`)} ·{' '}
        <StatusBadge status={e.status} label={t(`waitlist.status.${e.status}`)} />
      </p>
      {open && offer && (
        <div className="stack waitlist-offer" role="group" aria-label={t('waitlist.offer.title', { date: day(offer.slotDate), time: time(offer.startsAt) })}>
          <p>
            <strong>{t('waitlist.offer.title', { date: day(offer.slotDate), time: time(offer.startsAt) })}</strong>
          </p>
          <p className="muted">
            <time dateTime={offer.expiresAt}>{t('waitlist.offer.countdown', { time: countdown(new Date(offer.expiresAt).getTime() - now) })}</time>
          </p>
          <div className="row">
            <Button onClick={() => void act('accept')} busy={busy === 'accept'} disabled={!!busy}>
              {t('waitlist.offer.accept')}
            </Button>
            <Button variant="secondary" onClick={() => void act('decline')} busy={busy === 'decline'} disabled={!!busy}>
              {t('waitlist.offer.decline')}
            </Button>
          </div>
        </div>
      )}
      {!open && offer && offer.status !== 'withdrawn' && (
        <p className="muted">
          {t(offer.status === 'accepted' ? 'waitlist.offer.accepted' : offer.status === 'declined' ? 'waitlist.offer.declined' : 'waitlist.offer.lapsed', {
            date: day(offer.slotDate),
            time: time(offer.startsAt),
          })}
        </p>
      )}
      <ErrorMessage error={error} />
      {e.status === 'waiting' && (
        <div>
          <Button variant="link" onClick={() => void act('leave')} busy={busy === 'leave'} disabled={!!busy}>
            {t('waitlist.leave')}
          </Button>
        </div>
      )}
    </li>
  );
}
