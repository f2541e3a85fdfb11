// Rating a completed appointment (or editing the review within its 30 days) from its card on the
// appointments page.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { RatingInput, TextArea } from '../../components/Reviews';
import { Button, ErrorMessage } from '../../components/ui';
import { useI18n } from '../../i18n';

export type OwnReview = paths['/api/user/reviews']['get']['responses']['200']['content']['application/json']['reviews'][number];

export function useOwnReviews(enabled = true) {
  return useQuery({ queryKey: ['patient', 'reviews'], enabled, queryFn: async () => unwrap(await api.GET('/api/user/reviews')).reviews });
}

export function ReviewPanel({ appointmentId, review, onClose, onDone }: { appointmentId: string; review?: OwnReview; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [rating, setRating] = useState(review?.rating ?? 0);
  const [comment, setComment] = useState(review?.comment ?? '');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => ref.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const init = { params: { path: { appointmentId } }, body: { rating, comment: comment.trim() || null } };
      unwrap(review ? await api.PUT('/api/user/appointments/{appointmentId}/review', init) : await api.POST('/api/user/appointments/{appointmentId}/review', init));
      await qc.invalidateQueries({ queryKey: ['patient', 'reviews'] });
      await qc.invalidateQueries({ queryKey: ['doctors'] });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dialog stack" aria-labelledby={titleId} tabIndex={-1} ref={ref} onSubmit={submit}>
      <h3 id={titleId} className="h3">
        {review ? t('reviews.edit') : t('reviews.rate')}
      </h3>
      <RatingInput value={rating} onChange={setRating} />
      <TextArea label={`${t('reviews.comment')} (${t('app.optional')})`} hint={t('reviews.commentHint')} value={comment} onChange={setComment} maxLength={2000} rows={4} />
      <ErrorMessage error={error} />
      <div className="row">
        <Button type="submit" busy={busy} disabled={rating < 1}>
          {review ? t('reviews.save') : t('reviews.submit')}
        </Button>
        <Button variant="secondary" onClick={onClose}>
          {t('app.cancel')}
        </Button>
      </div>
    </form>
  );
}
