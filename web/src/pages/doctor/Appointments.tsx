// The doctor's appointments: filters and page in the URL, complete and cancel with a reason.
import { useState } from 'react';
import { ErrorMessage, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { AppointmentTable } from '../staff/AppointmentTable';
import { PageHead } from '../staff/AreaNav';
import { AppointmentFilters, useListParams } from '../staff/Filters';
import { Pager } from '../staff/Pager';
import { PAGE_SIZE } from '../staff/util';
import { DoctorActions } from './Actions';
import { MessageThread, useUnreadMessages } from '../../components/MessageThread';
import { Button } from '../../components/ui';
import { LiveStatus, useLiveDoctor } from './Dashboard';
import { doctorKeys, useDoctorAppointments, type DoctorProfile } from './queries';

export default function Appointments({ profile }: { profile: DoctorProfile }) {
  const { t } = useI18n();
  const liveState = useLiveDoctor();
  const { page, status, from, to } = useListParams();
  const [message, setMessage] = useState('');
  const unread = useUnreadMessages('doctor');
  const list = useDoctorAppointments({ page, limit: PAGE_SIZE, sort: '-startsAt', ...(status ? { status } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });

  return (
    <section>
      <PageHead title={t('doctor.appts.title')}>
        <LiveStatus {...liveState} />
      </PageHead>
      <AppointmentFilters />
      {message && <Notice tone="success">{message}</Notice>}
      {list.isPending ? (
        <Spinner />
      ) : list.isError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {t('staff.appts.count', { count: list.data.total ?? list.data.appointments.length })}
            {list.isFetching && <span className="visually-hidden">{t('app.loading')}</span>}
          </p>
          <AppointmentTable
            caption={t('doctor.appts.title')}
            appointments={list.data.appointments}
            zoneOf={() => profile.timeZone}
            videoRefetchKey={doctorKeys.all}
            actions={(a) => (
              <>
                <DoctorActions appointment={a} onDone={setMessage} />
                {a.status !== 'cancelled' && <DoctorMessages appointmentId={a._id} unread={unread.data?.threads.find((x) => x.appointmentId === a._id)?.unread ?? 0} />}
              </>
            )}
          />
          <Pager page={page} total={list.data.total ?? 0} size={PAGE_SIZE} />
        </>
      )}
    </section>
  );
}

function DoctorMessages({ appointmentId, unread }: { appointmentId: string; unread: number }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <div className="stack">
      <Button variant="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {unread > 0 ? t('messages.openUnread', { count: unread }) : t('messages.open')}
      </Button>
      {open && <MessageThread role="doctor" appointmentId={appointmentId} />}
    </div>
  );
}
