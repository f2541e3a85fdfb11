// Messages between patients and doctors, as the admin may see them: counts per appointment thread
// (messages, unread, last message), reported threads first with their reasons, and the messages of a
// reported thread on request. Bodies of other threads are never shown (the API refuses them).
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Button, ErrorMessage, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { PageHead } from '../staff/AreaNav';
import { validPage } from '../staff/util';
import { adminKeys } from './queries';

const SIZE = 20;

export default function Messages() {
  const { t, date, time } = useI18n();
  const [params] = useSearchParams();
  const page = validPage(params.get('page'));
  const [reading, setReading] = useState<string>();
  const list = useQuery({
    queryKey: [...adminKeys.all, 'message-threads', page],
    queryFn: async () => unwrap(await api.GET('/api/admin/message-threads', { params: { query: { page, limit: SIZE } } })).threads,
    placeholderData: (p) => p,
  });
  const threads = list.data ?? [];
  return (
    <section className="stack">
      <PageHead title={t('adminMessages.title')} />
      <p className="muted">{t('adminMessages.intro')}</p>
      {list.isPending && <Spinner />}
      <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      {list.data && threads.length === 0 && <p>{t('adminMessages.none')}</p>}
      {threads.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">{t('adminMessages.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminMessages.appointment')}</th>
                <th scope="col">{t('adminMessages.messages')}</th>
                <th scope="col">{t('adminMessages.unread')}</th>
                <th scope="col">{t('adminMessages.last')}</th>
                <th scope="col">{t('adminMessages.reported')}</th>
              </tr>
            </thead>
            <tbody>
              {threads.map((th) => (
                <tr key={th.appointmentId}>
                  <th scope="row" className="break">
                    {th.appointmentId}
                  </th>
                  <td>{th.messages}</td>
                  <td>{th.unread}</td>
                  <td>
                    <time dateTime={th.lastAt}>
                      {date(th.lastAt)} {time(th.lastAt)}
                    </time>
                  </td>
                  <td>
                    {th.reported ? (
                      <div className="stack">
                        <span className="badge badge-cancelled">{t('adminMessages.reportedBadge')}</span>
                        <span>{t('adminMessages.reasons', { reasons: th.reasons.join('; ') })}</span>
                        <Button variant="secondary" onClick={() => setReading(reading === th.appointmentId ? undefined : th.appointmentId)} aria-expanded={reading === th.appointmentId}>
                          {reading === th.appointmentId ? t('adminMessages.close') : t('adminMessages.read')}
                        </Button>
                      </div>
                    ) : (
                      t('adminMessages.notReported')
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {reading && <ReportedThread appointmentId={reading} />}
      <nav className="pager" aria-label={t('staff.pager.label')}>
        {page > 1 && (
          <Link to={`?page=${page - 1}`} className="btn btn-secondary" rel="prev">
            {t('staff.pager.prev')}
          </Link>
        )}
        {threads.length === SIZE && (
          <Link to={`?page=${page + 1}`} className="btn btn-secondary" rel="next">
            {t('staff.pager.next')}
          </Link>
        )}
      </nav>
    </section>
  );
}

function ReportedThread({ appointmentId }: { appointmentId: string }) {
  const { t, date, time } = useI18n();
  const thread = useQuery({
    queryKey: [...adminKeys.all, 'message-thread', appointmentId],
    queryFn: async () => unwrap(await api.GET('/api/admin/message-threads/{appointmentId}', { params: { path: { appointmentId }, query: { limit: 100 } } })),
  });
  return (
    <section className="card stack" aria-labelledby="reported-thread">
      <h2 className="h3" id="reported-thread">
        {t('adminMessages.threadTitle', { id: appointmentId })}
      </h2>
      {thread.isPending && <Spinner />}
      <ErrorMessage error={thread.error} onRetry={() => void thread.refetch()} />
      <ol className="stack">
        {thread.data?.messages
          .slice()
          .reverse()
          .map((m) => (
            <li key={m._id}>
              <p>
                <strong>{m.from === 'patient' ? t('messages.patient') : t('messages.doctor')}</strong>{' '}
                <time className="muted" dateTime={m.createdAt}>
                  {date(m.createdAt)} {time(m.createdAt)}
                </time>
              </p>
              <p>{m.text}</p>
              {m.images.length > 0 && <p className="muted">{t('adminMessages.pictures', { count: m.images.length })}</p>}
            </li>
          ))}
      </ol>
    </section>
  );
}
