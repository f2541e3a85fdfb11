// The messages of one appointment between its patient and its doctor: newest at the bottom, read
// receipts on one's own messages, a text box and up to 3 pictures. Opening the thread marks the
// other party's messages read; the live stream refreshes it (its `message.*` events invalidate the
// role's queries).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { TextArea } from './Reviews';
import { Button, ErrorMessage, Notice, Spinner } from './ui';

type Party = 'patient' | 'doctor';
const MAX_IMAGES = 3;

export const messageKeys = {
  thread: (role: Party, id: string) => [role, 'messages', id] as const,
  unread: (role: Party) => [role, 'messages', 'unread'] as const,
};

/** Unread messages per appointment for the signed-in party. */
export function useUnreadMessages(role: Party, enabled = true) {
  return useQuery({
    queryKey: messageKeys.unread(role),
    enabled,
    queryFn: async () =>
      role === 'patient' ? unwrap(await api.GET('/api/user/messages/unread')) : unwrap(await api.GET('/api/doctor/messages/unread')),
  });
}

async function fetchThread(role: Party, appointmentId: string) {
  const init = { params: { path: { appointmentId }, query: { limit: 100 } } };
  return role === 'patient'
    ? unwrap(await api.GET('/api/user/appointments/{appointmentId}/messages', init))
    : unwrap(await api.GET('/api/doctor/appointments/{appointmentId}/messages', init));
}

export function MessageThread({ role, appointmentId }: { role: Party; appointmentId: string }) {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const titleId = useId();
  const q = useQuery({ queryKey: messageKeys.thread(role, appointmentId), queryFn: () => fetchThread(role, appointmentId) });
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const unreadFromOther = q.data?.messages.some((m) => m.from !== role && m.readAt === null) ?? false;

  useEffect(() => {
    if (!unreadFromOther) return;
    const path = { params: { path: { appointmentId } } };
    void (role === 'patient' ? api.POST('/api/user/appointments/{appointmentId}/messages/read', path) : api.POST('/api/doctor/appointments/{appointmentId}/messages/read', path)).then(() =>
      qc.invalidateQueries({ queryKey: messageKeys.unread(role) }),
    );
  }, [unreadFromOther, appointmentId, role, qc]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (files.length > MAX_IMAGES) {
      setError(new Error(t('messages.tooManyPictures', { max: MAX_IMAGES })));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const body = { text: text.trim() };
      const serialize = (b: { text?: string }) => {
        const fd = new FormData();
        fd.append('text', b.text ?? '');
        for (const f of files) fd.append('images', f);
        return fd;
      };
      const init = { params: { path: { appointmentId } }, body, ...(files.length ? { bodySerializer: serialize } : {}) };
      unwrap(role === 'patient' ? await api.POST('/api/user/appointments/{appointmentId}/messages', init) : await api.POST('/api/doctor/appointments/{appointmentId}/messages', init));
      setText('');
      setFiles([]);
      await qc.invalidateQueries({ queryKey: messageKeys.thread(role, appointmentId) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const shown = [...(q.data?.messages ?? [])].reverse();
  const other = role === 'patient' ? t('messages.doctor') : t('messages.patient');
  return (
    <section className="dialog stack thread" aria-labelledby={titleId}>
      <h3 id={titleId} className="h3">
        {t('messages.title')}
      </h3>
      {q.isPending && <Spinner />}
      <ErrorMessage error={q.error} onRetry={() => void q.refetch()} />
      {q.data && shown.length === 0 && <p className="muted">{t('messages.none')}</p>}
      <ol className="message-list" aria-live="polite">
        {shown.map((m) => (
          <li key={m._id} className={`message ${m.from === role ? 'mine' : 'theirs'}`}>
            <p className="muted">
              {m.from === role ? t('messages.you') : other} · {date(m.createdAt)} {time(m.createdAt)}
            </p>
            {m.text && <p className="message-text">{m.text}</p>}
            {m.images.map((src, i) => (
              <a key={src} href={src} target="_blank" rel="noreferrer">
                <img src={src} alt={t('messages.picture', { n: i + 1 })} width="120" height="120" loading="lazy" />
              </a>
            ))}
            {m.from === role && <p className="muted">{m.readAt ? t('messages.read') : t('messages.sent')}</p>}
          </li>
        ))}
      </ol>
      {q.data && !q.data.thread.open && <Notice>{t('messages.closed')}</Notice>}
      {q.data?.thread.open && (
        <form className="stack" onSubmit={send}>
          <TextArea label={t('messages.label')} value={text} onChange={setText} maxLength={2000} rows={3} />
          <div className="field">
            <label htmlFor={`${titleId}-files`}>{t('messages.pictures', { max: MAX_IMAGES })}</label>
            <input id={`${titleId}-files`} type="file" accept="image/*" multiple onChange={(e) => setFiles(Array.from(e.target.files ?? []))} />
          </div>
          <ErrorMessage error={error} />
          <div>
            <Button type="submit" busy={busy} disabled={!text.trim() && files.length === 0}>
              {t('messages.send')}
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
