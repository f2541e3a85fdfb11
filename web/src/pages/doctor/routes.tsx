// The doctor area: every /doctor/* page (paths relative to /doctor/). RequireRole keeps other roles
// out. The profile is read first: while the doctor still has the temporary password the admin gave,
// the server refuses every doctor route with 403 "Please change your temporary password first", and
// the area then shows only the change-password form (the login answer's mustChangePassword sends the
// doctor straight there too).
import { useEffect } from 'react';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../../api/client';
import { RequireRole } from '../../components/Layout';
import { ErrorMessage, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { live } from '../../lib/live';
import { NotFound } from '../public/NotFound';
import { AreaNav } from '../staff/AreaNav';
import '../staff/staff.css';
import Appointments from './Appointments';
import ChangePassword from './ChangePassword';
import Dashboard from './Dashboard';
import GroupSessions from './GroupSessions';
import Profile from './Profile';
import Reports from './Reports';
import Reviews from './Reviews';
import Schedule from './Schedule';
import { useLeaving } from './leaving';
import { useDoctorProfile } from './queries';

/** The server's refusal while a temporary password is in force (src/modules/auth/guards.ts). */
export const TEMPORARY_PASSWORD_MESSAGE = 'Please change your temporary password first';

export function mustChangePassword(err: unknown): boolean {
  return err instanceof ApiError && err.status === 403 && err.message === TEMPORARY_PASSWORD_MESSAGE;
}

function DoctorPages() {
  const { t } = useI18n();
  const profile = useDoctorProfile();
  const location = useLocation();
  const navigate = useNavigate();
  const temporary = mustChangePassword(profile.error);
  const onPasswordPage = location.pathname.replace(/\/$/, '') === '/doctor/change-password';

  useEffect(() => {
    if (temporary && !onPasswordPage) navigate('/doctor/change-password', { replace: true, state: { first: true } });
  }, [temporary, onPasswordPage, navigate]);

  // one live stream for the whole area (the dashboard and lists listen to it)
  useEffect(() => {
    if (!profile.data) return;
    live.start('doctor');
    return () => live.stop();
  }, [profile.data]);

  if (profile.isPending) return <Spinner />;
  if (temporary) return onPasswordPage ? <ChangePassword first /> : <Spinner />;
  if (profile.isError) return <ErrorMessage error={profile.error} onRetry={() => void profile.refetch()} />;

  return (
    <>
      <AreaNav
        label={t('doctor.nav.label')}
        links={[
          { to: '/doctor', label: t('doctor.nav.dashboard'), end: true },
          { to: '/doctor/appointments', label: t('doctor.nav.appointments') },
          { to: '/doctor/schedule', label: t('doctor.nav.schedule') },
          { to: '/doctor/group-sessions', label: t('doctor.nav.groups') },
          { to: '/doctor/profile', label: t('doctor.nav.profile') },
          { to: '/doctor/reports', label: t('doctor.nav.reports') },
          { to: '/doctor/reviews', label: t('reviews.nav.doctor') },
          { to: '/doctor/change-password', label: t('doctor.nav.password') },
        ]}
      />
      <Routes>
        <Route index element={<Dashboard profile={profile.data} />} />
        <Route path="appointments" element={<Appointments profile={profile.data} />} />
        <Route path="schedule" element={<Schedule />} />
        <Route path="group-sessions" element={<GroupSessions profile={profile.data} />} />
        <Route path="profile" element={<Profile profile={profile.data} />} />
        <Route path="reports" element={<Reports profile={profile.data} />} />
        <Route path="reviews" element={<Reviews />} />
        <Route path="change-password" element={<ChangePassword />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </>
  );
}

export function DoctorArea() {
  const leaving = useLeaving();
  if (leaving) return null;
  return (
    <RequireRole role="doctor">
      <DoctorPages />
    </RequireRole>
  );
}
