// Shared pieces of reviews: the rating summary, one review with the doctor's reply, the 1–5 rating
// input (a radio group) and the report form. Pages: DoctorPage (public list), patient Appointments
// (rate and edit), doctor Reviews (reply, report), admin Reviews (moderation).
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { Button, ErrorMessage, Notice } from './ui';

export interface ReviewLike {
  _id: string;
  rating: number;
  comment: string | null;
  author: string;
  createdAt: string;
  updatedAt: string;
  reply: string | null;
  repliedAt: string | null;
}

export function Stars({ rating }: { rating: number }) {
  const full = Math.round(rating);
  return (
    <span className="stars" aria-hidden="true">
      {'★'.repeat(full)}
      {'☆'.repeat(5 - full)}
    </span>
  );
}

export function RatingSummary({ average, count }: { average: number | null; count: number }) {
  const { t } = useI18n();
  if (average === null || count === 0) return <p className="muted rating-summary">{t('reviews.summaryNone')}</p>;
  return (
    <p className="rating-summary">
      <Stars rating={average} /> {t('reviews.summary', { average: average.toFixed(1), count })}
    </p>
  );
}

export function ReviewItem({ review, children, badge }: { review: ReviewLike; children?: ReactNode; badge?: ReactNode }) {
  const { t, date } = useI18n();
  return (
    <li className="card review">
      <p>
        <Stars rating={review.rating} /> <span className="visually-hidden">{t('reviews.stars', { rating: review.rating })}</span> {badge}
      </p>
      {review.comment && <p className="review-comment">{review.comment}</p>}
      <p className="muted">
        {t('reviews.by', { author: review.author, date: date(review.createdAt) })}
        {review.updatedAt !== review.createdAt && ` · ${t('reviews.edited')}`}
      </p>
      {review.reply && (
        <blockquote className="review-reply">
          <p className="muted">{t('reviews.reply')}</p>
          <p>{review.reply}</p>
        </blockquote>
      )}
      {children}
    </li>
  );
}

export function RatingInput({ value, onChange }: { value: number; onChange(v: number): void }) {
  const { t } = useI18n();
  const name = useId();
  return (
    <fieldset className="rating-input">
      <legend>{t('reviews.rating')}</legend>
      <div className="row">
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="rating-option">
            <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange(n)} />
            <span aria-hidden="true">{'★'.repeat(n)}</span>
            <span className="visually-hidden">{t('reviews.ratingValue', { rating: n })}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A text area with its label and hint tied to it. */
export function TextArea({ label, hint, value, onChange, maxLength, rows = 3 }: { label: string; hint?: string; value: string; onChange(v: string): void; maxLength: number; rows?: number }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={rows} maxLength={maxLength} value={value} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onChange(e.target.value)} />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** "Report" opens a reason field; `send` posts it. */
export function ReportButton({ send }: { send(reason: string): Promise<void> }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const titleId = useId();
  if (done) return <Notice tone="success">{t('reviews.reported')}</Notice>;
  if (!open)
    return (
      <Button variant="link" onClick={() => setOpen(true)}>
        {t('reviews.report')}
      </Button>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await send(reason.trim());
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="dialog stack" onSubmit={submit} aria-labelledby={titleId}>
      <h3 id={titleId} className="h3">
        {t('reviews.reportTitle')}
      </h3>
      <TextArea label={t('reviews.reportReason')} value={reason} onChange={setReason} maxLength={500} rows={2} />
      <ErrorMessage error={error} />
      <div className="row">
        <Button type="submit" busy={busy} disabled={!reason.trim()}>
          {t('reviews.reportSend')}
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          {t('app.cancel')}
        </Button>
      </div>
    </form>
  );
}
