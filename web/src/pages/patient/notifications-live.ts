// The patient's unread-notification count for the header, kept current by the live stream: every
// appointment event refreshes notifications and appointments.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, unwrap } from '../../api/client';
import { live } from '../../lib/live';

export const notificationKeys = { all: ['patient', 'notifications'] as const };

export function useUnreadCount(enabled: boolean): number {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    live.start('patient');
    const off = live.subscribe(() => {
      void qc.invalidateQueries({ queryKey: ['patient'] });
    });
    return () => {
      off();
      live.stop();
    };
  }, [enabled, qc]);
  const q = useQuery({
    queryKey: [...notificationKeys.all, 'unread'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/api/user/notifications', { params: { query: { limit: 1 } } })).unreadCount,
  });
  return q.data ?? 0;
}
