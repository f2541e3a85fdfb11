// The admin area's data, all under the ['admin'] query key (a live event or a change refreshes it).
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

export type AdminDoctor = paths['/api/admin/all-doctors']['get']['responses']['200']['content']['application/json']['doctors'][number];
export type AdminAppointmentQuery = NonNullable<paths['/api/admin/appointments']['get']['parameters']['query']>;

export const adminKeys = {
  all: ['admin'] as const,
  doctors: ['admin', 'doctors'] as const,
  dashboard: ['admin', 'dashboard'] as const,
};

export function useAllDoctors() {
  return useQuery({ queryKey: adminKeys.doctors, queryFn: async () => unwrap(await api.GET('/api/admin/all-doctors')).doctors });
}
