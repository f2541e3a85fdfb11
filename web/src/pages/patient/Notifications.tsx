// The notifications centre: newest first, unread marked, "mark all as read"; new ones arrive live
// (the stream started by the header refreshes every ['patient', …] query on each event).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { PushToggle } from '../../components/PushToggle';
import { Button, ErrorMessage, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { live } from '../../lib/live';
import { notificationKeys } from './notifications-live';

export default function Notifications() {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const [connected, setConnected] = useState(live.connected);
  useEffect(() => live.onState(setConnected), []);
  const list = useQuery({
    queryKey: [...notificationKeys.all, 'list'],
    queryFn: async () => unwrap(await api.GET('/api/user/notifications', { params: { query: { limit: 50 } } })),
  });
  const markAll = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/user/notifications/read', { body: {} })),
    onSuccess: () => qc.invalidateQueries({ queryKey: notificationKeys.all }),
  });

  return (
    <section className="stack">
      <h1>{t('notif.title')}</h1>
      <p className="muted" role="status">
        {connected ? t('notif.live') : t('notif.liveOff')}
      </p>
      <section className="card stack" aria-labelledby="push-heading">
        <h2 className="h3" id="push-heading">
          {t('push.heading')}
        </h2>
        <PushToggle role="patient" />
      </section>
      {list.isPending && <Spinner />}
      <ErrorMessage error={list.error ?? markAll.error} onRetry={() => void list.refetch()} />
      {list.data && list.data.unreadCount > 0 && (
        <div>
          <Button variant="secondary" onClick={() => markAll.mutate()} busy={markAll.isPending}>
            {t('notif.markAll')}
          </Button>
        </div>
      )}
      {list.data && list.data.notifications.length === 0 && <p>{t('notif.none')}</p>}
      <ul className="appt-list" aria-live="polite">
        {list.data?.notifications.map((n) => (
          <li key={n._id} className={`card notif ${n.read ? '' : 'unread'}`}>
            <h2 className="h3">
              {!n.read && <span className="visually-hidden">{t('notif.unread')}: </span>}
              {n.title}
            </h2>
            <p>{n.body}</p>
            <p className="muted">
              <time dateTime={n.createdAt}>
                {date(n.createdAt)} {time(n.createdAt)}
              </time>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
