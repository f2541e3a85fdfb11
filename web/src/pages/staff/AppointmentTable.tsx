// The appointment list of the doctor and admin pages: a table on wide screens that becomes one card per
// appointment on a phone (CSS), with the role's actions in the last column.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Button, ErrorMessage, StatusBadge } from '../../components/ui';
import { VideoInfo } from '../../components/VideoInfo';
import { useI18n } from '../../i18n';
import type { StaffAppointment } from './util';

export function AppointmentTable({
  appointments,
  showDoctor,
  zoneOf,
  actions,
  caption,
  videoRefetchKey,
}: {
  appointments: StaffAppointment[];
  showDoctor?: boolean;
  /** the doctor's time zone, to show times where the visit happens */
  zoneOf?: (a: StaffAppointment) => string | undefined;
  actions?: (a: StaffAppointment) => ReactNode;
  caption: string;
  /** the query to refresh when a video call's link opens; without it (the admin) only the mode is shown */
  videoRefetchKey?: readonly unknown[];
}) {
  const { t, date, time, money } = useI18n();
  if (appointments.length === 0) return <p className="muted">{t('staff.appts.none')}</p>;
  return (
    <div className="table-wrap">
      <table className="appt-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('staff.appts.patient')}</th>
            {showDoctor && <th scope="col">{t('staff.appts.doctor')}</th>}
            <th scope="col">{t('staff.appts.when')}</th>
            <th scope="col">{t('staff.appts.fee')}</th>
            <th scope="col">{t('staff.appts.status')}</th>
            {actions && <th scope="col">{t('staff.appts.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {appointments.map((a) => {
            const zone = zoneOf?.(a);
            return (
              <tr key={a._id} data-appointment={a._id}>
                <th scope="row" data-label={t('staff.appts.patient')}>
                  {a.userData.name}
                </th>
                {showDoctor && (
                  <td data-label={t('staff.appts.doctor')}>
                    {a.docData.name}
                    <br />
                    <span className="muted">{a.docData.speciality}</span>
                  </td>
                )}
                <td data-label={t('staff.appts.when')}>
                  <time dateTime={a.startsAt}>{t('appt.when', { date: date(a.startsAt, { timeZone: zone, weekday: true }), time: time(a.startsAt, zone) })}</time>
                  <VideoInfo a={a} timeZone={zone} refetchKey={videoRefetchKey} modeOnly={!videoRefetchKey} />
                  {a.seriesId && (
                    <>
                      {' '}
                      <span className="badge badge-series">{t('series.mark')}</span>
                    </>
                  )}
                </td>
                <td data-label={t('staff.appts.fee')}>
                  {money(a.amount, a.currency)}
                  <br />
                  <span className="muted">{a.payment ? t('staff.appts.paid') : t('staff.appts.unpaid')}</span>
                </td>
                <td data-label={t('staff.appts.status')}>
                  <StatusBadge status={a.status} label={t(`appt.status.${a.status}`)} />
                  {a.status === 'cancelled' && a.cancelReason && <p className="muted small">{t('staff.appts.reason', { reason: a.cancelReason })}</p>}
                </td>
                {actions && <td data-label={t('staff.appts.actions')}>{actions(a)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A button that opens a small form asking for an optional reason, then runs `onConfirm`. Focus moves
 * into the form and back to the button when it closes; the typed reason stays after an error.
 */
export function ReasonAction({
  label,
  title,
  confirmLabel,
  variant = 'secondary',
  onConfirm,
  reasonLabel,
}: {
  label: string;
  title: string;
  confirmLabel: string;
  variant?: 'secondary' | 'danger' | 'primary';
  reasonLabel: string;
  onConfirm: (reason: string) => Promise<unknown>;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const opener = useRef<HTMLButtonElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) field.current?.focus();
    else if (wasOpen.current) opener.current?.focus();
    wasOpen.current = open;
  }, [open]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(reason.trim());
      setOpen(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!open)
    return (
      <button type="button" ref={opener} className={`btn btn-${variant === 'primary' ? 'primary' : 'secondary'}`} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  return (
    <form className="dialog stack reason-form" onSubmit={submit} aria-label={title}>
      <p className="h3">{title}</p>
      <ErrorMessage error={error} />
      <label className="field">
        <span>
          {reasonLabel} <span className="muted">({t('app.optional')})</span>
        </span>
        <textarea ref={field} value={reason} maxLength={500} rows={2} onChange={(e) => setReason(e.target.value)} />
      </label>
      <div className="row">
        <Button type="submit" variant={variant} busy={busy}>
          {confirmLabel}
        </Button>
        <Button variant="link" onClick={() => setOpen(false)} disabled={busy}>
          {t('staff.keep')}
        </Button>
      </div>
    </form>
  );
}
