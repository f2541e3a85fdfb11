// Outgoing webhooks: the admin registers endpoints and the events they receive, sees the signing
// secret once, pauses, resumes or deletes an endpoint, and reads its delivery log.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { Button, ErrorMessage, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { PageHead } from '../staff/AreaNav';

type EventName = paths['/api/admin/webhooks']['post']['requestBody']['content']['application/json']['events'][number];
const EVENTS: EventName[] = [
  'appointment.booked', 'appointment.confirmed', 'appointment.cancelled', 'appointment.completed', 'appointment.rescheduled', 'payment.refunded', 'doctor.added',
];
const KEY = ['admin', 'webhooks'] as const;

function Deliveries({ id }: { id: string }) {
  const { t, date, time } = useI18n();
  const log = useQuery({
    queryKey: [...KEY, id, 'deliveries'],
    queryFn: async () => unwrap(await api.GET('/api/admin/webhooks/{id}/deliveries', { params: { path: { id }, query: { page: 1, limit: 50 } } })),
  });
  if (log.isPending) return <Spinner />;
  if (log.isError) return <ErrorMessage error={log.error} onRetry={() => void log.refetch()} />;
  if (log.data.deliveries.length === 0) return <p className="muted">{t('admin.webhooks.noDeliveries')}</p>;
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption>{t('admin.webhooks.deliveries')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.webhooks.event')}</th>
            <th scope="col">{t('admin.webhooks.status')}</th>
            <th scope="col">{t('admin.webhooks.attempts')}</th>
            <th scope="col">{t('admin.webhooks.lastAttempt')}</th>
          </tr>
        </thead>
        <tbody>
          {log.data.deliveries.map((d) => {
            const last = d.attemptLog.at(-1);
            return (
              <tr key={d._id}>
                <th scope="row">
                  <code>{d.eventType}</code>
                </th>
                <td>
                  <span className={`badge ${d.status === 'delivered' ? 'badge-confirmed' : d.status === 'failed' ? 'badge-cancelled' : 'badge-pending'}`}>{t(`admin.webhooks.status.${d.status}`)}</span>
                </td>
                <td>{d.attempts}</td>
                <td className="break">
                  {last ? (
                    <>
                      <time dateTime={last.at}>
                        {date(last.at)} {time(last.at)}
                      </time>{' '}
                      {last.statusCode !== null ? `HTTP ${last.statusCode}` : (last.error ?? '')}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export default function Webhooks() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: KEY, queryFn: async () => unwrap(await api.GET('/api/admin/webhooks')).endpoints });
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<EventName[]>(['appointment.booked']);
  const [secret, setSecret] = useState<string>();
  const [open, setOpen] = useState<string>();
  const refresh = () => qc.invalidateQueries({ queryKey: KEY });

  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/admin/webhooks', { body: { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) } })),
    onSuccess: (res) => {
      setSecret(res.secret);
      setUrl('');
      setDescription('');
      void refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: async (v: { id: string; enabled: boolean }) => unwrap(await api.PATCH('/api/admin/webhooks/{id}', { params: { path: { id: v.id } }, body: { enabled: v.enabled } })),
    onSuccess: () => void refresh(),
  });
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE('/api/admin/webhooks/{id}', { params: { path: { id } } })),
    onSuccess: () => void refresh(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSecret(undefined);
    create.mutate();
  };
  const flip = (name: EventName) => setEvents((cur) => (cur.includes(name) ? cur.filter((x) => x !== name) : [...cur, name]));

  return (
    <section>
      <PageHead title={t('admin.webhooks.title')} />
      <p className="muted">{t('admin.webhooks.intro')}</p>
      <form onSubmit={submit} aria-label={t('admin.webhooks.add')}>
        <Field label={t('admin.webhooks.url')} hint={t('admin.webhooks.urlHint')} type="url" required maxLength={2000} value={url} onChange={(e) => setUrl(e.target.value)} />
        <Field label={t('admin.webhooks.description')} maxLength={200} value={description} onChange={(e) => setDescription(e.target.value)} />
        <fieldset className="field">
          <legend>{t('admin.webhooks.events')}</legend>
          {EVENTS.map((name) => (
            <label key={name} className="row">
              <input type="checkbox" checked={events.includes(name)} onChange={() => flip(name)} /> <code>{name}</code>
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={create.error} />
        <Button type="submit" busy={create.isPending} disabled={events.length === 0}>
          {t('admin.webhooks.add')}
        </Button>
      </form>
      {secret && (
        <Notice tone="success">
          <p>{t('admin.webhooks.secretOnce')}</p>
          <p>
            <code data-testid="webhook-secret">{secret}</code>
          </p>
        </Notice>
      )}
      <h2>{t('admin.webhooks.endpoints')}</h2>
      <ErrorMessage error={toggle.error ?? remove.error} />
      {list.isPending ? (
        <Spinner />
      ) : list.isError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <p className="muted">{t('admin.webhooks.none')}</p>
      ) : (
        <ul className="plain-list" aria-label={t('admin.webhooks.endpoints')}>
          {list.data.map((ep) => (
            <li key={ep._id} className="card">
              <p>
                <strong className="break">{ep.url}</strong> {ep.description && <span className="muted">— {ep.description}</span>}
              </p>
              <p>
                <span className={`badge ${ep.enabled ? 'badge-confirmed' : 'badge-cancelled'}`}>{ep.enabled ? t('admin.webhooks.enabled') : t('admin.webhooks.disabled')}</span>{' '}
                {!ep.enabled && ep.disabledReason && <span className="muted">{ep.disabledReason}</span>}
              </p>
              <p className="muted">{ep.events.join(', ')}</p>
              <div className="row">
                <Button variant="secondary" aria-expanded={open === ep._id} onClick={() => setOpen(open === ep._id ? undefined : ep._id)}>
                  {t('admin.webhooks.showDeliveries')}
                </Button>
                <Button variant="secondary" busy={toggle.isPending && toggle.variables?.id === ep._id} onClick={() => toggle.mutate({ id: ep._id, enabled: !ep.enabled })}>
                  {ep.enabled ? t('admin.webhooks.pause') : t('admin.webhooks.resume')}
                </Button>
                <Button
                  variant="danger"
                  busy={remove.isPending && remove.variables === ep._id}
                  onClick={() => {
                    if (window.confirm(t('admin.webhooks.confirmDelete', { url: ep.url }))) remove.mutate(ep._id);
                  }}
                >
                  {t('admin.webhooks.delete')}
                </Button>
              </div>
              {open === ep._id && <Deliveries id={ep._id} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
