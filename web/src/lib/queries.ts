// Queries shared across pages (React Query keys and fetchers). Patient data lives under ['patient', …]
// so a live event can refresh all of it at once.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/schema';

export type Doctor = paths['/api/doctor/list']['get']['responses']['200']['content']['application/json']['doctors'][number];
export type Appointment = paths['/api/user/appointments']['get']['responses']['200']['content']['application/json']['appointments'][number];
export type ClientConfig = paths['/api/client-config']['get']['responses']['200']['content']['application/json'];

/** The public doctor list: one call, searched and filtered in the browser. */
export function useDoctors() {
  return useQuery({ queryKey: ['doctors'], queryFn: async () => unwrap(await api.GET('/api/doctor/list')).doctors });
}

export function useClientConfig() {
  return useQuery({ queryKey: ['client-config'], staleTime: Infinity, queryFn: async () => unwrap(await api.GET('/api/client-config')) });
}

export function useAppointments(enabled = true) {
  return useQuery({ queryKey: ['patient', 'appointments'], enabled, queryFn: async () => unwrap(await api.GET('/api/user/appointments')).appointments });
}
