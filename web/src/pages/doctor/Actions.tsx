// Complete and cancel buttons for one of the doctor's appointments. Both refresh every doctor query
// (lists, dashboard, reports) when the server has answered.
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { useI18n } from '../../i18n';
import { ReasonAction } from '../staff/AppointmentTable';
import type { StaffAppointment } from '../staff/util';
import { doctorKeys } from './queries';

export function DoctorActions({ appointment: a, onDone }: { appointment: StaffAppointment; onDone?: (message: string) => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  if (a.status !== 'pending' && a.status !== 'confirmed') return null;
  const done = async (message: string) => {
    onDone?.(message);
    await qc.invalidateQueries({ queryKey: doctorKeys.all });
  };
  return (
    <div className="actions">
      <ReasonAction
        label={t('doctor.appts.complete')}
        title={t('doctor.appts.completeTitle', { name: a.userData.name })}
        confirmLabel={t('doctor.appts.completeConfirm')}
        reasonLabel={t('doctor.appts.note')}
        variant="primary"
        onConfirm={async (reason) => {
          const r = unwrap(await api.POST('/api/doctor/appointment-complete', { body: { appointmentId: a._id, ...(reason ? { reason } : {}) } }));
          await done(r.message);
        }}
      />
      <ReasonAction
        label={t('doctor.appts.cancel')}
        title={t('doctor.appts.cancelTitle', { name: a.userData.name })}
        confirmLabel={t('doctor.appts.cancelConfirm')}
        reasonLabel={t('appt.cancelReason')}
        variant="danger"
        onConfirm={async (reason) => {
          const r = unwrap(await api.POST('/api/doctor/appointment-cancel', { body: { appointmentId: a._id, ...(reason ? { reason } : {}) } }));
          await done(r.message);
        }}
      />
    </div>
  );
}
