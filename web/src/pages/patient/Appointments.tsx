// The patient's appointments, upcoming and past, with what can be done to each: pay, cancel (the
// refund the policy gives is shown before confirming), reschedule to another free time, download the
// receipt and an .ics file. Kept current by the live stream (the header subscribes).
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, download, saveBlob, unwrap } from '../../api/client';
import { PayPanel } from '../../components/PayPanel';
import { VideoInfo } from '../../components/VideoInfo';
import { SlotPicker, type Slot } from '../../components/SlotPicker';
import { Button, ErrorMessage, Field, Notice, Spinner, StatusBadge } from '../../components/ui';
import { useI18n } from '../../i18n';
import { appointmentIcs } from '../../lib/ics';
import { useNow } from '../../lib/now';
import { ReviewPanel, useOwnReviews } from './ReviewPanel';
import { MessageThread, useUnreadMessages } from '../../components/MessageThread';
import { useAppointments, useClientConfig, useDoctors, type Appointment } from '../../lib/queries';

const PATIENT_APPOINTMENTS = ['patient', 'appointments'] as const;

type Panel = { id: string; kind: 'cancel' | 'reschedule' | 'pay' | 'review' | 'messages' | 'series' };

const isUpcoming = (a: Appointment, now: number) => (a.status === 'pending' || a.status === 'confirmed') && new Date(a.endsAt).getTime() > now;

/** The refund the cancellation policy gives a patient (the server computes the real one). */
export function refundPreview(a: Appointment, now: number): { kind: 'none-paid' | 'full' | 'half' | 'none'; amount: number } {
  if (!a.payment) return { kind: 'none-paid', amount: 0 };
  const hours = (new Date(a.startsAt).getTime() - now) / 3_600_000;
  if (hours >= 24) return { kind: 'full', amount: a.amount };
  if (hours > 0) return { kind: 'half', amount: Math.round(a.amount * 50) / 100 };
  return { kind: 'none', amount: 0 };
}

export default function Appointments() {
  const { t } = useI18n();
  const list = useAppointments();
  const [tab, setTab] = useState<'upcoming' | 'past'>('upcoming');
  const [panel, setPanel] = useState<Panel>();
  const [notice, setNotice] = useState<string>();
  const now = useNow();

  const upcoming = (list.data ?? []).filter((a) => isUpcoming(a, now)).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const past = (list.data ?? []).filter((a) => !isUpcoming(a, now));
  const shown = tab === 'upcoming' ? upcoming : past;

  return (
    <section>
      <h1>{t('nav.appointments')}</h1>
      {notice && <Notice tone="success">{notice}</Notice>}
      <div role="tablist" className="tabs" aria-label={t('nav.appointments')}>
        {(['upcoming', 'past'] as const).map((k) => (
          <button key={k} role="tab" type="button" id={`tab-${k}`} aria-selected={tab === k} aria-controls="appt-panel" className="btn btn-secondary" onClick={() => setTab(k)}>
            {t(k === 'upcoming' ? 'appt.upcoming' : 'appt.past')} ({(k === 'upcoming' ? upcoming : past).length})
          </button>
        ))}
      </div>
      <div role="tabpanel" id="appt-panel" aria-labelledby={`tab-${tab}`}>
        {list.isPending && <Spinner />}
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
        {list.data && shown.length === 0 && (
          <p>
            {t('appt.none')} <Link to="/">{t('nav.doctors')}</Link>
          </p>
        )}
        <ul className="appt-list">
          {shown.map((a) => (
            <AppointmentCard
              key={a._id}
              a={a}
              panel={panel?.id === a._id ? panel.kind : undefined}
              open={(kind) => setPanel(kind ? { id: a._id, kind } : undefined)}
              done={(message) => {
                setPanel(undefined);
                setNotice(message);
              }}
            />
          ))}
        </ul>
      </div>
    </section>
  );
}

function AppointmentCard({ a, panel, open, done }: { a: Appointment; panel?: Panel['kind']; open(kind?: Panel['kind']): void; done(message: string): void }) {
  const { t, date, time, money } = useI18n();
  const cfg = useClientConfig();
  const [error, setError] = useState<unknown>();
  const now = useNow();
  const upcoming = isUpcoming(a, now);
  const gateways = cfg.data ? cfg.data.gateways.razorpay || cfg.data.gateways.stripe : false;
  const title = t('appt.with', { name: a.docData.name });
  const ownReviews = useOwnReviews(a.status === 'completed');
  const review = ownReviews.data?.find((r) => r.appointmentId === a._id);
  const editable = review ? new Date(review.editableUntil).getTime() > now : false;
  const unread = useUnreadMessages('patient').data?.threads.find((x) => x.appointmentId === a._id)?.unread ?? 0;

  const receipt = async () => {
    setError(undefined);
    try {
      await download(`/api/user/appointments/${a._id}/receipt`, `receipt-${a._id}.pdf`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <li className="card appt">
      <header>
        <h2 className="h3">{title}</h2>
        <StatusBadge status={a.status} label={t(`appt.status.${a.status}`)} />
      </header>
      <p>
        {t('appt.when', { date: date(a.startsAt, { weekday: true }), time: time(a.startsAt) })} · {a.docData.speciality}
        {a.groupSessionId && ` · ${t('appt.group')}`}
        {a.seriesId && (
          <>
            {' · '}
            <span className="badge badge-series">{t('series.mark')}</span>
          </>
        )}
      </p>
      <VideoInfo a={a} refetchKey={PATIENT_APPOINTMENTS} />
      <p>
        {t('appt.amount')}: {money(a.amount, a.currency)}
        {a.payment && ` · ${t('pay.paid')}`}
      </p>
      {a.status === 'cancelled' && a.cancelledBy && <p className="muted">{t('appt.cancelledBy', { who: a.cancelledBy })}{a.cancelReason ? `: ${a.cancelReason}` : ''}</p>}
      {a.refundAmount != null && a.refundAmount > 0 && <p>{t('appt.refund', { amount: money(a.refundAmount, a.currency), status: a.refundStatus ?? '' })}</p>}
      {review && (
        <p>
          {t('reviews.yours', { rating: review.rating })}
          {review.hidden && ` · ${t('reviews.hiddenByAdmin')}`}
          {editable && ` · ${t('reviews.editableUntil', { date: date(review.editableUntil) })}`}
        </p>
      )}
      <ErrorMessage error={error} />
      <div className="row">
        {a.status !== 'cancelled' && (
          <Button variant={panel === 'messages' ? 'primary' : 'secondary'} aria-expanded={panel === 'messages'} onClick={() => open(panel === 'messages' ? undefined : 'messages')}>
            {unread > 0 ? t('messages.openUnread', { count: unread }) : t('messages.open')}
          </Button>
        )}
        {a.status === 'completed' && (!review || editable) && (
          <Button variant={panel === 'review' ? 'primary' : 'secondary'} aria-expanded={panel === 'review'} onClick={() => open(panel === 'review' ? undefined : 'review')}>
            {review ? t('reviews.edit') : t('reviews.rate')}
          </Button>
        )}
        {upcoming && !a.payment && gateways && (
          <Button variant={panel === 'pay' ? 'primary' : 'secondary'} aria-expanded={panel === 'pay'} onClick={() => open(panel === 'pay' ? undefined : 'pay')}>
            {t('appt.pay')}
          </Button>
        )}
        {upcoming && !a.groupSessionId && (
          <Button variant="secondary" aria-expanded={panel === 'reschedule'} onClick={() => open(panel === 'reschedule' ? undefined : 'reschedule')}>
            {t('appt.reschedule')}
          </Button>
        )}
        {upcoming && (
          <Button variant="secondary" aria-expanded={panel === 'cancel'} onClick={() => open(panel === 'cancel' ? undefined : 'cancel')}>
            {t('appt.cancel')}
          </Button>
        )}
        {upcoming && a.seriesId && (
          <Button variant="secondary" aria-expanded={panel === 'series'} onClick={() => open(panel === 'series' ? undefined : 'series')}>
            {t('series.cancelRest')}
          </Button>
        )}
        {a.payment && (
          <Button variant="link" onClick={receipt}>
            {t('appt.receipt')}
          </Button>
        )}
        {upcoming && (
          <Button variant="link" onClick={() => saveBlob(appointmentIcs(a, title), `appointment-${a._id}.ics`)}>
            {t('appt.ics')}
          </Button>
        )}
      </div>
      {panel === 'messages' && <MessageThread role="patient" appointmentId={a._id} />}
      {panel === 'review' && <ReviewPanel appointmentId={a._id} review={review} onClose={() => open()} onDone={() => done(t('reviews.saved'))} />}
      {panel === 'pay' && <PayPanel appointmentId={a._id} onPaid={() => done(t('pay.done'))} />}
      {panel === 'cancel' && <CancelPanel a={a} onClose={() => open()} onDone={() => done(t('appt.cancelled'))} />}
      {panel === 'series' && a.seriesId && <CancelSeriesPanel seriesId={a.seriesId} onClose={() => open()} onDone={(count) => done(t('series.cancelledRest', { count }))} />}
      {panel === 'reschedule' && <ReschedulePanel a={a} onClose={() => open()} onDone={() => done(t('appt.rescheduled'))} />}
    </li>
  );
}

function usePanelFocus() {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

function CancelPanel({ a, onClose, onDone }: { a: Appointment; onClose(): void; onDone(): void }) {
  const { t, money } = useI18n();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ref = usePanelFocus();
  const now = useNow();
  const refund = refundPreview(a, now);
  const text =
    refund.kind === 'none-paid'
      ? t('appt.cancelNoPayment')
      : refund.kind === 'full'
        ? t('appt.cancelRefundFull', { amount: money(refund.amount, a.currency) })
        : refund.kind === 'half'
          ? t('appt.cancelRefundHalf', { amount: money(refund.amount, a.currency) })
          : t('appt.cancelRefundNone');

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/user/cancel-appointment', { body: { appointmentId: a._id, ...(reason.trim() ? { reason: reason.trim() } : {}) } }));
      await qc.invalidateQueries({ queryKey: ['patient'] });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="dialog stack" role="group" aria-labelledby={`cancel-${a._id}`} tabIndex={-1} ref={ref}>
      <h3 id={`cancel-${a._id}`} className="h3">
        {t('appt.cancelTitle')}
      </h3>
      <p>{text}</p>
      <Field label={`${t('appt.cancelReason')} (${t('app.optional')})`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      <ErrorMessage error={error} />
      <div className="row">
        <Button variant="danger" onClick={confirm} busy={busy}>
          {t('appt.cancelConfirm')}
        </Button>
        <Button variant="secondary" onClick={onClose}>
          {t('appt.keep')}
        </Button>
      </div>
    </div>
  );
}

/** Cancels every occurrence of the series not started yet; each is refunded by the policy. */
function CancelSeriesPanel({ seriesId, onClose, onDone }: { seriesId: string; onClose(): void; onDone(count: number): void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ref = usePanelFocus();

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const res = unwrap(await api.POST('/api/user/series/{id}/cancel', { params: { path: { id: seriesId } }, body: reason.trim() ? { reason: reason.trim() } : {} }));
      await qc.invalidateQueries({ queryKey: ['patient'] });
      onDone(res.cancelled.length);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="dialog stack" role="group" aria-labelledby={`series-${seriesId}`} tabIndex={-1} ref={ref}>
      <h3 id={`series-${seriesId}`} className="h3">
        {t('series.cancelRestTitle')}
      </h3>
      <p>{t('series.cancelRestText')}</p>
      <Field label={`${t('appt.cancelReason')} (${t('app.optional')})`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      <ErrorMessage error={error} />
      <div className="row">
        <Button variant="danger" onClick={confirm} busy={busy}>
          {t('series.cancelRestConfirm')}
        </Button>
        <Button variant="secondary" onClick={onClose}>
          {t('appt.keep')}
        </Button>
      </div>
    </div>
  );
}

function ReschedulePanel({ a, onClose, onDone }: { a: Appointment; onClose(): void; onDone(): void }) {
  const { t, date, time } = useI18n();
  const qc = useQueryClient();
  const doctors = useDoctors();
  const zone = doctors.data?.find((d) => d._id === a.docId)?.timeZone;
  const [day, setDay] = useState<string>();
  const [slot, setSlot] = useState<Slot>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ref = usePanelFocus();

  const confirm = async () => {
    if (!slot) return;
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.POST('/api/user/reschedule-appointment', { body: { appointmentId: a._id, slotDate: slot.slotDate, slotTime: slot.slotTime } }));
      await qc.invalidateQueries({ queryKey: ['patient'] });
      await qc.invalidateQueries({ queryKey: ['slots', a.docId] });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="dialog stack" role="group" aria-labelledby={`resched-${a._id}`} tabIndex={-1} ref={ref}>
      <h3 id={`resched-${a._id}`} className="h3">
        {t('appt.rescheduleTitle')}
      </h3>
      {!zone ? (
        <Spinner />
      ) : (
        <SlotPicker
          docId={a.docId}
          timeZone={zone}
          day={day}
          chosen={slot?.startsAt}
          onDay={(d) => {
            setDay(d);
            setSlot(undefined);
          }}
          onChoose={(s) => {
            setDay(s.slotDate);
            setSlot(s);
          }}
        />
      )}
      <ErrorMessage error={error} />
      <div className="row">
        {slot && zone && (
          <Button onClick={confirm} busy={busy}>
            {t('appt.rescheduleConfirm', { date: date(slot.startsAt, { timeZone: zone, weekday: true }), time: time(slot.startsAt, zone) })}
          </Button>
        )}
        <Button variant="secondary" onClick={onClose}>
          {t('app.cancel')}
        </Button>
      </div>
    </div>
  );
}
