// Every appointment: filters (status, doctor, dates) and the page in the URL, so
// /admin/appointments?page=3 opens page 3 directly; cancel with a reason.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorMessage, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { AppointmentTable, ReasonAction } from '../staff/AppointmentTable';
import { PageHead } from '../staff/AreaNav';
import { AppointmentFilters, useListParams } from '../staff/Filters';
import { Pager } from '../staff/Pager';
import { PAGE_SIZE } from '../staff/util';
import { adminKeys, useAllDoctors, type AdminAppointmentQuery } from './queries';

export default function Appointments() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { page, status, from, to, docId } = useListParams();
  const [message, setMessage] = useState('');
  const doctors = useAllDoctors();
  const zones = new Map((doctors.data ?? []).map((d) => [d._id, d.timeZone]));
  const query: AdminAppointmentQuery = { page, limit: PAGE_SIZE, ...(status ? { status } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}), ...(docId ? { docId } : {}) };
  const list = useQuery({
    queryKey: ['admin', 'appointments', query],
    queryFn: async () => unwrap(await api.GET('/api/admin/appointments', { params: { query } })),
    placeholderData: (prev) => prev,
  });

  return (
    <section>
      <PageHead title={t('admin.appts.title')} />
      <AppointmentFilters doctors={(doctors.data ?? []).map((d) => ({ value: d._id, label: `${d.name} (${d.speciality})` }))} />
      {message && <Notice tone="success">{message}</Notice>}
      {list.isPending ? (
        <Spinner />
      ) : list.isError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {t('staff.appts.count', { count: list.data.total ?? list.data.appointments.length })}
          </p>
          <AppointmentTable
            caption={t('admin.appts.title')}
            appointments={list.data.appointments}
            showDoctor
            zoneOf={(a) => zones.get(a.docId)}
            actions={(a) =>
              a.status === 'pending' || a.status === 'confirmed' ? (
                <ReasonAction
                  label={t('admin.appts.cancel')}
                  title={t('admin.appts.cancelTitle', { name: a.userData.name, doctor: a.docData.name })}
                  confirmLabel={t('admin.appts.cancelConfirm')}
                  reasonLabel={t('appt.cancelReason')}
                  variant="danger"
                  onConfirm={async (reason) => {
                    const r = unwrap(await api.POST('/api/admin/appointment-cancel', { body: { appointmentId: a._id, ...(reason ? { reason } : {}) } }));
                    setMessage(r.message);
                    await qc.invalidateQueries({ queryKey: adminKeys.all });
                  }}
                />
              ) : null
            }
          />
          <Pager page={page} total={list.data.total ?? 0} size={PAGE_SIZE} />
        </>
      )}
    </section>
  );
}
