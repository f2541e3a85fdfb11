// The admin area: every /admin/* page (paths relative to /admin/); RequireRole keeps other roles out.
// One live stream for the area refreshes the admin's data when any appointment changes.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Route, Routes } from 'react-router';
import { RequireRole } from '../../components/Layout';
import { useI18n } from '../../i18n';
import { live } from '../../lib/live';
import { NotFound } from '../public/NotFound';
import { AreaNav } from '../staff/AreaNav';
import '../staff/staff.css';
import AddDoctor from './AddDoctor';
import Appointments from './Appointments';
import AuditLog from './AuditLog';
import Dashboard from './Dashboard';
import Doctors from './Doctors';
import Patients from './Patients';
import Reports from './Reports';
import Webhooks from './Webhooks';
import Reviews from './Reviews';
import Messages from './Messages';
import { adminKeys } from './queries';

function AdminPages() {
  const { t } = useI18n();
  const qc = useQueryClient();
  useEffect(() => {
    live.start('admin');
    const off = live.subscribe(() => void qc.invalidateQueries({ queryKey: adminKeys.all }));
    return () => {
      off();
      live.stop();
    };
  }, [qc]);
  return (
    <>
      <AreaNav
        label={t('admin.nav.label')}
        links={[
          { to: '/admin', label: t('admin.nav.dashboard'), end: true },
          { to: '/admin/appointments', label: t('admin.nav.appointments') },
          { to: '/admin/doctors', label: t('admin.nav.doctors') },
          { to: '/admin/add-doctor', label: t('admin.nav.addDoctor') },
          { to: '/admin/patients', label: t('admin.nav.patients') },
          { to: '/admin/reports', label: t('admin.nav.reports') },
          { to: '/admin/reviews', label: t('reviews.nav.admin') },
          { to: '/admin/messages', label: t('adminMessages.nav') },
          { to: '/admin/audit-log', label: t('admin.nav.audit') },
          { to: '/admin/webhooks', label: t('admin.nav.webhooks') },
        ]}
      />
      <Routes>
        <Route index element={<Dashboard />} />
        <Route path="appointments" element={<Appointments />} />
        <Route path="doctors" element={<Doctors />} />
        <Route path="add-doctor" element={<AddDoctor />} />
        <Route path="patients" element={<Patients />} />
        <Route path="reports" element={<Reports />} />
        <Route path="reviews" element={<Reviews />} />
        <Route path="messages" element={<Messages />} />
        <Route path="audit-log" element={<AuditLog />} />
        <Route path="webhooks" element={<Webhooks />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </>
  );
}

export function AdminArea() {
  return (
    <RequireRole role="admin">
      <AdminPages />
    </RequireRole>
  );
}
