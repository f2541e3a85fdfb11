// The doctor area's data. Everything lives under the ['doctor'] query key, so a live event refreshes
// all of it at once.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

export type DoctorProfile = paths['/api/doctor/profile']['get']['responses']['200']['content']['application/json']['profileData'];
export type Schedule = paths['/api/doctor/schedule']['get']['responses']['200']['content']['application/json']['schedule'];
export type AppointmentQuery = NonNullable<paths['/api/doctor/appointments']['get']['parameters']['query']>;

export const doctorKeys = {
  all: ['doctor'] as const,
  profile: ['doctor', 'profile'] as const,
  dashboard: ['doctor', 'dashboard'] as const,
  schedule: ['doctor', 'schedule'] as const,
  appointments: (q: AppointmentQuery) => ['doctor', 'appointments', q] as const,
};

export function useDoctorProfile() {
  return useQuery({ queryKey: doctorKeys.profile, queryFn: async () => unwrap(await api.GET('/api/doctor/profile')).profileData });
}

export function useDoctorAppointments(query: AppointmentQuery) {
  return useQuery({
    queryKey: doctorKeys.appointments(query),
    queryFn: async () => unwrap(await api.GET('/api/doctor/appointments', { params: { query } })),
    placeholderData: (prev) => prev,
  });
}
