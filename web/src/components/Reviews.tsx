// Shared pieces of reviews: the rating summary, one review with the doctor's reply, the 1–5 rating
// input (a radio group) and the report form. Pages: DoctorPage (public list), patient Appointments
// (rate and edit), doctor Reviews (reply, report), admin Reviews (moderation).
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { useAction } from '../lib/action';
import { Button, ErrorMessage, Notice, Spinner } from './ui';

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

type Variant = 'primary' | 'secondary' | 'danger' | 'link';

/**
 * A button that opens a one-field form (reply, report, hide): `send` gets the trimmed text. After it
 * succeeds the form closes, or `done` stands in its place.
 */
export function TextActionButton(props: {
  openLabel: string;
  openVariant?: Variant;
  title?: string;
  label: string;
  hint?: string;
  maxLength: number;
  rows?: number;
  submitLabel: string;
  submitVariant?: Variant;
  send(text: string): Promise<void>;
  done?: string;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const { busy, error, run } = useAction();
  const [sent, setSent] = useState(false);
  const titleId = useId();
  if (sent && props.done) return <Notice tone="success">{props.done}</Notice>;
  if (!open)
    return (
      <Button variant={props.openVariant ?? 'secondary'} onClick={() => setOpen(true)}>
        {props.openLabel}
      </Button>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => props.send(text.trim()))) {
      setSent(true);
      setOpen(false);
    }
  };
  return (
    <form className="dialog stack" onSubmit={submit} aria-labelledby={props.title ? titleId : undefined}>
      {props.title && (
        <h3 id={titleId} className="h3">
          {props.title}
        </h3>
      )}
      <TextArea label={props.label} hint={props.hint} value={text} onChange={setText} maxLength={props.maxLength} rows={props.rows} />
      <ErrorMessage error={error} />
      <div className="row">
        <Button type="submit" variant={props.submitVariant} busy={busy} disabled={!text.trim()}>
          {props.submitLabel}
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          {t('app.cancel')}
        </Button>
      </div>
    </form>
  );
}

/** "Report" opens a reason field; `send` posts it. */
export function ReportButton({ send }: { send(reason: string): Promise<void> }) {
  const { t } = useI18n();
  return (
    <TextActionButton
      openLabel={t('reviews.report')}
      openVariant="link"
      title={t('reviews.reportTitle')}
      label={t('reviews.reportReason')}
      maxLength={500}
      rows={2}
      submitLabel={t('reviews.reportSend')}
      send={send}
      done={t('reviews.reported')}
    />
  );
}

/** What a cursor-paged list of reviews needs of its infinite query. */
interface ReviewPages<R> {
  data?: { pages: { reviews: R[] }[] };
  isPending: boolean;
  error: unknown;
  refetch(): Promise<unknown>;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): Promise<unknown>;
}

/** Reviews page by page (a cursor query), each with what `actions` adds under it. */
export function ReviewFeed<R extends ReviewLike & { hidden?: boolean }>({ q, actions }: { q: ReviewPages<R>; actions(review: R): ReactNode }) {
  const { t } = useI18n();
  const reviews = q.data?.pages.flatMap((p) => p.reviews) ?? [];
  return (
    <>
      {q.isPending && <Spinner />}
      <ErrorMessage error={q.error} onRetry={() => void q.refetch()} />
      {q.data && reviews.length === 0 && <p>{t('reviews.none')}</p>}
      <ul className="review-list">
        {reviews.map((r) => (
          <ReviewItem key={r._id} review={r} badge={r.hidden ? <span className="badge badge-cancelled">{t('reviews.hiddenByAdmin')}</span> : undefined}>
            {actions(r)}
          </ReviewItem>
        ))}
      </ul>
      {q.hasNextPage && (
        <div>
          <Button variant="secondary" busy={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
            {t('reviews.more')}
          </Button>
        </div>
      )}
    </>
  );
}
