// "No time suits you?": joins the doctor's waitlist for a date or up to 14 days, optionally one part
// of the day. Shown under the free times of a doctor's page.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n';
import { Button, ErrorMessage, Field, Notice, Select } from './ui';

type Part = 'any' | 'morning' | 'afternoon' | 'evening';
const PARTS: Part[] = ['any', 'morning', 'afternoon', 'evening'];

export function WaitlistJoin({ docId, today }: { docId: string; today: string }) {
  const { t } = useI18n();
  const s = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState('');
  const [part, setPart] = useState<Part>('any');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [joined, setJoined] = useState(false);
  const patient = s.status === 'signed-in' && s.role === 'patient';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!patient) {
      navigate('/login', { state: { from: location.pathname + location.search } });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/user/waitlist', { body: { docId, fromDate: from, ...(to ? { toDate: to } : {}), partOfDay: part } }));
      setJoined(true);
      await qc.invalidateQueries({ queryKey: ['patient', 'waitlist'] });
      await qc.invalidateQueries({ queryKey: ['slots', docId] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="waitlist-join-title" className="stack waitlist-join">
      <h3 id="waitlist-join-title">{t('waitlist.join.title')}</h3>
      <p className="muted">{t('waitlist.join.hint')}</p>
      {joined ? (
        <Notice tone="success">
          {t('waitlist.join.done')} <Link to="/waitlist">{t('waitlist.join.see')}</Link>
        </Notice>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="stack">
          <div className="row">
            <Field label={t('waitlist.join.from')} type="date" required min={today} value={from} onChange={(e) => setFrom(e.target.value)} />
            <Field label={t('waitlist.join.to')} type="date" min={from} value={to} onChange={(e) => setTo(e.target.value)} />
            <Select label={t('waitlist.join.part')} value={part} onChange={(e) => setPart(e.target.value as Part)} options={PARTS.map((p) => ({ value: p, label: t(`waitlist.part.${p}`) }))} />
          </div>
          <ErrorMessage error={error} />
          <div>
            <Button type="submit" busy={busy} variant="secondary">
              {patient ? t('waitlist.join.submit') : t('waitlist.join.login')}
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
